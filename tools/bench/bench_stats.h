// BenchStats: the counters and histograms every BenchClient of a run adds to. One event loop
// thread owns it (no atomics); BenchRun reads it for the progress line and the summary.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bench/latency_histogram.h"

namespace mqttd::bench {

enum class ErrorKind : size_t {
  kConnectFailed,      // the transport never came up: refused, unreachable, handshake timeout
  kTlsFailed,          // certificate verification or the TLS/QUIC handshake failed
  kConnackRefused,     // the server answered CONNECT with a non-zero code
  kConnectionLost,     // an established connection ended without us asking
  kPublishFailed,      // MqttClient::publish refused (not connected, packet ids exhausted)
  kPublishRejected,    // a PUBACK/PUBREC reason code >= 0x80 (MQTT 5)
  kSubscribeRejected,  // a SUBACK failure code
  kBadPayload,         // sub: a payload shorter than the 16-byte stamp (not from mqttd-bench)
  kInflightFull,       // pub with -I > 0: a tick found --inflight messages unacked; skipped
  kCount,              // number of kinds (not a kind)
};

std::string_view toString(ErrorKind kind);

struct BenchStats {
  // Connections.
  uint64_t connects_started = 0;  // dials begun
  uint64_t connected = 0;         // CONNACK 0 received
  uint64_t connect_failed = 0;    // ended before CONNACK 0 (also counted in errors)
  uint64_t resumed = 0;           // --zero-rtt: connections that resumed the TLS session
  uint64_t zero_rtt_accepted = 0;  // ... and whose 0-RTT data the server accepted
  uint64_t open = 0;              // connected now
  // Messages. pub: published = PUBLISH packets sent, acked = PUBACK/PUBCOMP received.
  // sub: received = application messages delivered (up to -L).
  uint64_t published = 0;
  uint64_t acked = 0;
  uint64_t received = 0;
  uint64_t duplicates = 0;  // sub: see SequenceTracker
  uint64_t gaps = 0;        // sub: messages missing between two that arrived
  std::array<uint64_t, static_cast<size_t>(ErrorKind::kCount)> errors{};

  // Microseconds. `interval` takes the mode's headline latency (pub: publish->ack for QoS>0;
  // sub: publish->deliver; conn: dial->CONNACK) for the current second; BenchRun folds it into
  // `latency` once a second and at the end.
  LatencyHistogram interval;
  LatencyHistogram latency;
  LatencyHistogram handshake;  // dial -> transport up (TCP connect / QUIC handshake done)
  LatencyHistogram connack;    // dial -> CONNACK

  // Monotonic ns of the first and latest message counted (published or received); 0 = none.
  uint64_t first_message_ns = 0;
  uint64_t last_message_ns = 0;

  void error(ErrorKind kind) { ++errors[static_cast<size_t>(kind)]; }
  uint64_t errorCount() const;
  // The mode's message count: received for sub, published otherwise.
  uint64_t messages(bool sub) const { return sub ? received : published; }
};

}  // namespace mqttd::bench
