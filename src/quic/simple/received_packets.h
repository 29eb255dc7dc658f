// ReceivedPackets: the packet numbers a simple-framing connection has processed (§5.1, §5.2):
// duplicate detection, the ranges for ACK frames (newest first, at most 64), and when an ACK is
// due: at once after two ack-eliciting packets or an ack-eliciting packet out of order, else
// within max_ack_delay (10 ms).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "quic/simple/wire.h"

namespace mqttd::simple {

class ReceivedPackets {
 public:
  static constexpr size_t kMaxRanges = kMaxAckRanges;  // §5.2: the 64 newest ranges are kept
  static constexpr uint64_t kMaxAckDelayNs = kMaxAckDelayMs * 1'000'000;  // §5.2
  static constexpr size_t kAckElicitingThreshold = 2;  // §5.2: ack at once after two

  // True if `pn` was processed before, or is older than every range still remembered (then it
  // cannot be told apart from a duplicate: it is dropped, and its sender resends its data).
  bool isDuplicate(uint64_t pn) const;
  // Records a processed packet at `now_ns` (a duplicate is ignored); true if `pn` is higher
  // than any before (§7.2).
  bool onPacket(uint64_t pn, bool ack_eliciting, uint64_t now_ns);
  // A duplicate arrived: acknowledge again (§5.1), within the ack delay.
  void onDuplicate(uint64_t now_ns);

  // An ACK frame must be sent at or before ackDeadlineNs() (UINT64_MAX: none pending).
  bool ackDue(uint64_t now_ns) const { return ack_deadline_ns_ <= now_ns; }
  uint64_t ackDeadlineNs() const { return ack_deadline_ns_; }
  bool hasRanges() const { return count_ > 0; }
  // Newest first, disjoint and non-adjacent: what PacketWriter::ack takes.
  std::span<const AckRange> ranges() const { return {ranges_.data(), count_}; }
  // ACK Delay (§4.1) for an ACK sent at `now_ns`: microseconds since the largest arrived.
  uint64_t ackDelayUs(uint64_t now_ns) const;
  // An ACK frame with ranges() was sent: nothing is due any more.
  void onAckSent();
  // RFC 9000 §13.2.4: the peer has received an ACK of everything up to `largest`; forget those
  // numbers (and treat them as duplicates from now on).
  void forgetUpTo(uint64_t largest);

  uint64_t largestSeen() const { return largest_seen_; }  // valid once a packet arrived

 private:
  void insert(uint64_t pn);

  std::array<AckRange, kMaxRanges> ranges_{};  // [0, count_): descending
  size_t count_ = 0;
  uint64_t floor_ = 0;                     // packet numbers below it count as duplicates
  bool any_ = false;                       // a packet has arrived
  uint64_t largest_seen_ = 0;              // highest packet number processed
  uint64_t largest_recv_ns_ = 0;           // when largest_seen_ arrived, monotonic ns
  size_t unacked_eliciting_ = 0;           // ack-eliciting packets since the last ACK sent
  uint64_t ack_deadline_ns_ = UINT64_MAX;  // an ACK is due then
};

}  // namespace mqttd::simple
