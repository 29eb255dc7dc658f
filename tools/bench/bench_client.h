// BenchClient: one mqttd-bench MQTT connection. Dials (timing handshake and CONNACK), then
// depending on the mode stays idle (conn), publishes stamped payloads on a Timer (pub) or
// subscribes and checks what arrives (sub). Everything runs on the run's single event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_options.h"
#include "bench/bench_stats.h"
#include "bench/sequence_tracker.h"
#include "bench/timed_transport.h"
#include "client/mqtt_client.h"
#include "client/quic_client_connection.h"
#include "client/resumption_ticket.h"
#include "core/event_loop.h"

namespace mqttd::bench {

class BenchClient {
 public:
  // Called on the loop; the client must not be destroyed inside them (style habit 6).
  struct Hooks {
    std::function<void()> on_connect_result;  // CONNACK 0 or a failure before it
    std::function<void()> on_limit_reached;   // -L was reached by this client's last message
    std::function<void()> on_closed;          // the connection is gone, for good
  };

  // `index` is 1-based (the %i of -t). Borrows loop, options and stats: they outlive it.
  BenchClient(EventLoop& loop, const BenchOptions& options, BenchStats& stats, uint32_t index,
              Hooks hooks);
  BenchClient(const BenchClient&) = delete;
  BenchClient& operator=(const BenchClient&) = delete;

  // Starts dialling; an error means nothing started and no hook will run.
  [[nodiscard]] Result<void, std::string> start(const SocketAddress& peer);
  // Stops publishing and sends DISCONNECT; on_closed follows (if started and not closed yet).
  void stop();

  bool closed() const { return closed_; }
  // QUIC: every client started afterwards resumes `ticket` (0-RTT); nullptr: full handshakes.
  static void setResumption(std::shared_ptr<const client::ResumptionTicket> ticket);
  // QUIC: the latest session ticket this client's connection received, if any.
  std::shared_ptr<const client::ResumptionTicket> ticket() const;
  // Why the connection failed before CONNACK 0; empty otherwise.
  const std::string& failure() const { return failure_; }
  const SequenceTracker& tracker() const { return tracker_; }

 private:
  void onUp();
  void onConnected();
  void onPublished(uint16_t packet_id, uint8_t reason_code);
  void onSubscribed(const std::vector<uint8_t>& codes);
  void onMessage(const client::MqttMessage& m);
  void onClosed(const client::MqttClose& c);
  void onPublishTimer();
  // -I 0: publishes until the budget, --inflight or the output bound stops it.
  void pump();
  // Publishes one stamped message; false when it could not (budget spent, error).
  bool publishOne();
  bool budgetLeft() const;
  uint64_t elapsedMicros() const;  // since dial

  EventLoop& loop_;
  const BenchOptions& options_;
  BenchStats& stats_;
  Hooks hooks_;
  const std::string client_id_;
  const std::string topic_;  // -t expanded for this client
  const uint32_t publisher_id_;

  std::unique_ptr<TimedTransport> transport_;  // declared before mqtt_: outlives it
  client::QuicClientConnection* quic_ = nullptr;  // inside transport_ when QUIC
  static std::shared_ptr<const client::ResumptionTicket> resumption_;
  std::unique_ptr<client::MqttClient> mqtt_;
  Timer publish_timer_;  // -I > 0: next tick; -I 0: yields to the loop between bursts

  uint64_t dial_ns_ = 0;          // monotonic ns when start() dialled
  uint64_t next_tick_ns_ = 0;     // monotonic ns the next -I tick is due
  std::vector<uint8_t> payload_;  // -s bytes, reused: only the 16-byte stamp changes
  uint32_t sequence_ = 0;         // next sequence number to stamp
  // Unacked QoS>0 publishes: (packet id, monotonic ns sent). At most --inflight entries, so
  // a linear search is cheaper than a map and never allocates after the first fill.
  std::vector<std::pair<uint16_t, uint64_t>> unacked_;
  SequenceTracker tracker_;  // sub
  std::string failure_;      // see failure()

  bool started_ = false;
  bool connected_ = false;  // CONNACK 0 seen
  bool stopping_ = false;   // stop() called
  bool closed_ = false;
};

}  // namespace mqttd::bench
