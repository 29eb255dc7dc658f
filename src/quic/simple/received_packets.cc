#include "quic/simple/received_packets.h"

#include <algorithm>

namespace mqttd::simple {

bool ReceivedPackets::isDuplicate(uint64_t pn) const {
  if (pn < floor_) return true;
  for (size_t i = 0; i < count_; ++i) {
    if (ranges_[i].largest < pn) return false;  // descending: the rest are lower still
    if (ranges_[i].smallest <= pn) return true;
  }
  return false;
}

bool ReceivedPackets::onPacket(uint64_t pn, bool ack_eliciting, uint64_t now_ns) {
  // The caller checked isDuplicate(), but the frames of the packet may have raised the floor
  // since (an ACK leading to forgetUpTo()); a peer that lies about its numbers gets here.
  if (isDuplicate(pn)) return false;
  // §5.2: "not the next expected one" means a hole below it, or an old number filling one.
  const bool out_of_order = any_ ? pn != largest_seen_ + 1 : pn != 0;
  const bool newest = !any_ || pn > largest_seen_;
  if (newest) {
    any_ = true;
    largest_seen_ = pn;
    largest_recv_ns_ = now_ns;
  }
  insert(pn);
  if (ack_eliciting) {
    // §5.2: within max_ack_delay; at once after two, or when out of order (RFC 9000 §13.2.1
    // asks this of ack-eliciting packets only, so pure ACKs never trigger ACKs at once).
    ++unacked_eliciting_;
    uint64_t deadline = now_ns + kMaxAckDelayNs;
    if (unacked_eliciting_ >= kAckElicitingThreshold || out_of_order) deadline = now_ns;
    ack_deadline_ns_ = std::min(ack_deadline_ns_, deadline);
  }
  return newest;
}

void ReceivedPackets::onDuplicate(uint64_t now_ns) {
  // §5.1: a duplicate is acknowledged again (its ACK may have been lost).
  if (count_ > 0) ack_deadline_ns_ = std::min(ack_deadline_ns_, now_ns + kMaxAckDelayNs);
}

uint64_t ReceivedPackets::ackDelayUs(uint64_t now_ns) const {
  return now_ns > largest_recv_ns_ ? (now_ns - largest_recv_ns_) / 1000 : 0;
}

void ReceivedPackets::onAckSent() {
  unacked_eliciting_ = 0;
  ack_deadline_ns_ = UINT64_MAX;
}

void ReceivedPackets::forgetUpTo(uint64_t largest) {
  floor_ = std::max(floor_, largest + 1);
  while (count_ > 0 && ranges_[count_ - 1].largest <= largest) --count_;
  if (count_ > 0 && ranges_[count_ - 1].smallest <= largest)
    ranges_[count_ - 1].smallest = largest + 1;
}

void ReceivedPackets::insert(uint64_t pn) {
  // The first range at or below pn; ranges_[i - 1] lies above it.
  size_t i = 0;
  while (i < count_ && ranges_[i].smallest > pn) ++i;
  const bool joins_above = i > 0 && ranges_[i - 1].smallest == pn + 1;
  const bool joins_below = i < count_ && ranges_[i].largest + 1 == pn;
  if (joins_above && joins_below) {
    // pn fills the hole between two ranges: merge them.
    ranges_[i - 1].smallest = ranges_[i].smallest;
    std::copy(ranges_.begin() + i + 1, ranges_.begin() + count_, ranges_.begin() + i);
    --count_;
    return;
  }
  if (joins_above) {
    ranges_[i - 1].smallest = pn;
    return;
  }
  if (joins_below) {
    ranges_[i].largest = pn;
    return;
  }
  if (count_ == kMaxRanges) {
    // §5.2: keep the 64 newest ranges. Forgetting the oldest raises the floor to the oldest kept.
    if (i == count_) {
      floor_ = ranges_[count_ - 1].smallest;
      return;  // pn itself would be the oldest: not kept
    }
    --count_;
  }
  std::copy_backward(ranges_.begin() + i, ranges_.begin() + count_, ranges_.begin() + count_ + 1);
  ranges_[i] = AckRange{pn, pn};
  ++count_;
  if (count_ == kMaxRanges) floor_ = std::max(floor_, ranges_[count_ - 1].smallest);
}

}  // namespace mqttd::simple
