// Metrics: the gateway's counters and gauges, rendered as Prometheus text for /metrics.
// Lock-free (relaxed atomics) so every worker can count without coordination.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace mqttd {

enum class Transport : uint8_t {
  kTcp,     // plain MQTT over TCP (listeners.tcp)
  kQuic,    // MQTT over QUIC v1 (ngtcp2)
  kSimple,  // MQTT over the simple UDP framer
};
inline constexpr size_t kTransportCount = 3;
std::string_view toString(Transport transport);

enum class Direction : uint8_t {
  kToBroker,  // client -> gateway -> broker
  kToClient,  // broker -> gateway -> client
};
std::string_view toString(Direction direction);

enum class ErrorKind : uint8_t {
  kMalformedPacket,    // the client sent bytes that are not MQTT
  kPacketTooLarge,     // a packet above limits.max_packet_size
  kProtocolViolation,  // well-formed but out of order (e.g. PUBLISH before CONNECT)
  kConnectTimeout,     // no CONNECT within limits.connect_packet_timeout
  kUpstreamLost,       // the broker closed or reset an established connection
  kClientReset,        // the client reset its connection or stream
  kConnectionLimit,    // refused: limits.max_connections reached
  kRouteRefused,       // a drop route with on_drop: disconnect closed a 3.1.1 client
};
inline constexpr size_t kErrorKindCount = 8;
std::string_view toString(ErrorKind kind);

enum class QuicEvent : uint8_t {
  kRetrySent,               // Retry packets sent (address validation)
  kVersionNegotiationSent,  // Version Negotiation packets sent
  kStatelessResetSent,      // Stateless Reset packets sent
  kConnectionRefused,       // new connections refused (draining or limits.max_connections)
  kHandshakeFailed,         // TLS handshake failures (wrong ALPN, bad certificate, ...)
  kRepliesRateLimited,      // replies to unknown traffic suppressed by the rate limiter
  kPathMigrated,            // a connection moved to a new client address (migration, NAT rebinding)
  kSessionResumed,          // handshakes that resumed a TLS session from a ticket
  kZeroRttAccepted,         // resumed handshakes whose 0-RTT (early) data was accepted
  kZeroRttStreams,          // streams opened by 0-RTT packets (their CONNECT came in early data)
  kDatagramHandedOver,      // datagrams passed to the worker that owns their connection ID
  kSimpleCookieSent,        // simple framer: COOKIE answers to HELLOs without a valid cookie
  kSimpleHandshakeInvalid,  // simple framer: malformed HELLOs, or HELLOs with parameters out of range
};
inline constexpr size_t kQuicEventCount = 13;
std::string_view toString(QuicEvent event);

// A re-read of the QUIC listener's certificate files that changed something or failed
// (`mqttd_tls_certificate_reloads_total{result}`); unchanged files are not counted.
enum class CertificateReload : uint8_t {
  kOk,     // a new certificate and key are in force for new handshakes
  kError,  // the files could not be read or are not a valid pair; the previous pair stays
};
std::string_view toString(CertificateReload result);

class Metrics {
 public:
  void connectionOpened(Transport t);
  void connectionClosed(Transport t);
  void addBytes(Transport t, Direction d, uint64_t n);
  // `type` is the MQTT control packet type, 1..15.
  void addPacket(Direction d, uint8_t type);
  void upstreamConnectFailed() { upstream_connect_failures_.fetch_add(1, kRelaxed); }
  void addError(ErrorKind kind);
  void addQuicEvent(QuicEvent event) { quic_events_[static_cast<size_t>(event)].fetch_add(1, kRelaxed); }
  uint64_t quicEvents(QuicEvent event) const {
    return quic_events_[static_cast<size_t>(event)].load(kRelaxed);
  }

  // The QUIC listener's certificate (main thread). The tls series are rendered once a
  // certificate was set, i.e. only with a QUIC listener.
  void setCertificateNotAfter(int64_t unix_seconds) {
    certificate_not_after_.store(unix_seconds, kRelaxed);
  }
  void addCertificateReload(CertificateReload result) {
    certificate_reloads_[static_cast<size_t>(result)].fetch_add(1, kRelaxed);
  }
  uint64_t certificateReloads(CertificateReload result) const {
    return certificate_reloads_[static_cast<size_t>(result)].load(kRelaxed);
  }

  uint64_t connectionsCurrent(Transport t) const;
  uint64_t connectionsTotal(Transport t) const;
  uint64_t packets(Direction d, uint8_t type) const;
  uint64_t errors(ErrorKind kind) const;
  uint64_t upstreamConnectFailures() const { return upstream_connect_failures_.load(kRelaxed); }

  std::string renderPrometheus() const;

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  using Counter = std::atomic<uint64_t>;

  std::array<Counter, kTransportCount> connections_current_{};
  std::array<Counter, kTransportCount> connections_total_{};
  std::array<std::array<Counter, 2>, kTransportCount> bytes_{};  // [transport][direction]
  std::array<std::array<Counter, 16>, 2> packets_{};              // [direction][type]
  std::array<Counter, kErrorKindCount> errors_{};
  Counter upstream_connect_failures_{0};
  std::array<Counter, kQuicEventCount> quic_events_{};
  static constexpr int64_t kNoCertificate = INT64_MIN;
  std::atomic<int64_t> certificate_not_after_{kNoCertificate};  // unix seconds
  std::array<Counter, 2> certificate_reloads_{};                  // by CertificateReload
};

}  // namespace mqttd
