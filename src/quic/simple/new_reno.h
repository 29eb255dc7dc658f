// NewReno: the congestion controller of a simple-framing connection, RFC 9002 §7 with the
// constants of docs/simple-framing.md §5.3. It counts the bytes of ack-eliciting packets in
// flight and says whether another packet may be sent; SentPackets reports sends, acks, losses.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mqttd::simple {

class NewReno {
 public:
  // `max_datagram`: the largest packet this side sends, bytes (> 0).
  explicit NewReno(size_t max_datagram);

  // §5.3: initial window min(10 × max_datagram, 14720); minimum 2 × max_datagram (bytes).
  static uint64_t initialWindow(size_t max_datagram);
  static uint64_t minimumWindow(size_t max_datagram) { return 2 * uint64_t{max_datagram}; }

  // True if a packet of `bytes` fits in the window (RFC 9002 §7: a sender MUST NOT exceed it).
  bool canSend(size_t bytes) const { return in_flight_ + bytes <= window_; }

  void onSent(size_t bytes);
  // Before the packets of one ACK frame: notes whether the window was in use (§7.8).
  void beginAck();
  // An ack-eliciting packet of `bytes`, sent at `sent_ns`, was acknowledged (RFC 9002 §7.3).
  void onAcked(size_t bytes, uint64_t sent_ns);
  // A packet of `bytes` was declared lost: out of flight. The congestion event follows.
  void onLost(size_t bytes);
  // Packets were lost, the newest of them sent at `sent_ns` (RFC 9002 §7.3.2): halves the
  // window unless that packet was sent before the current recovery period began.
  void onCongestionEvent(uint64_t sent_ns, uint64_t now_ns);
  // RFC 9002 §7.6.2: back to the minimum window.
  void onPersistentCongestion();

  uint64_t window() const { return window_; }
  uint64_t bytesInFlight() const { return in_flight_; }
  uint64_t slowStartThreshold() const { return ssthresh_; }
  bool inSlowStart() const { return window_ < ssthresh_; }
  // True if a packet sent at `sent_ns` was sent before the current recovery period began.
  bool inRecovery(uint64_t sent_ns) const { return has_recovery_ && sent_ns <= recovery_start_ns_; }
  uint64_t congestionEvents() const { return congestion_events_; }

 private:
  uint64_t max_datagram_;            // bytes
  uint64_t window_;                  // congestion window, bytes
  uint64_t ssthresh_ = UINT64_MAX;   // slow start threshold, bytes; infinite until a loss
  uint64_t in_flight_ = 0;           // bytes of ack-eliciting packets not acked or lost
  uint64_t acked_in_avoidance_ = 0;  // bytes acked towards the next +max_datagram (§7.3.3)
  bool has_recovery_ = false;        // a recovery period has begun
  uint64_t recovery_start_ns_ = 0;   // when the current recovery period began
  bool window_in_use_ = false;       // at beginAck(): more than half the window in flight
  uint64_t congestion_events_ = 0;   // window reductions
};

}  // namespace mqttd::simple
