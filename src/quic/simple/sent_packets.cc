#include "quic/simple/sent_packets.h"

#include <algorithm>
#include <cassert>

namespace mqttd::simple {

namespace {
constexpr size_t kInitialCapacity = 64;              // records; doubles when full
constexpr uint64_t kPersistentCongestionFactor = 3;  // RFC 9002 §7.6.1 threshold
}  // namespace

void SentPackets::onSent(const SentPacket& packet) {
  assert(packet.number == next_number_);
  if (count_ == capacity_) {
    // Grow the ring (amortised O(1)); the oldest record moves to index 0.
    const size_t capacity = capacity_ == 0 ? kInitialCapacity : capacity_ * 2;
    auto ring = std::make_unique<SentPacket[]>(capacity);
    for (size_t i = 0; i < count_; ++i) ring[i] = at(i);
    ring_ = std::move(ring);
    capacity_ = capacity;
    head_ = 0;
  }
  SentPacket& p = ring_[(head_ + count_) & (capacity_ - 1)];
  p = packet;
  p.state = SentPacket::State::kInFlight;
  ++count_;
  ++in_flight_;
  ++next_number_;
  last_eliciting_sent_ns_ = packet.sent_ns;
  cc_.onSent(packet.size);
}

size_t SentPackets::lowerBound(uint64_t number) const {
  size_t low = 0;
  size_t high = count_;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (at(mid).number < number)
      low = mid + 1;
    else
      high = mid;
  }
  return low;
}

Result<bool, SentPackets::AckError> SentPackets::onAck(const AckFrame& ack, uint64_t now_ns,
                                                       Listener& l) {
  if (ack.range_count == 0) return false;
  // §4.1: acknowledging a number never sent is a PROTOCOL_VIOLATION. Ranges descend, so the
  // largest is the only one to check.
  if (ack.largest() >= next_number_) return fail(AckError::kNeverSent);
  if (!has_largest_acked_ || ack.largest() > largest_acked_) {
    has_largest_acked_ = true;
    largest_acked_ = ack.largest();
  }
  cc_.beginAck();
  bool newly_acked = false;
  for (size_t r = 0; r < ack.range_count; ++r) {
    const AckRange& range = ack.ranges[r];
    if (count_ == 0 || range.largest < at(0).number) break;  // the rest is older still
    for (size_t i = lowerBound(range.smallest); i < count_ && at(i).number <= range.largest; ++i) {
      SentPacket& p = at(i);
      // Settled already. A packet declared lost is forgotten (RFC 9002 §6.1): a late ACK of
      // it changes nothing, its bytes are resent anyway unless another packet's ACK covers them.
      if (p.state != SentPacket::State::kInFlight) continue;
      p.state = SentPacket::State::kAcked;
      --in_flight_;
      newly_acked = true;
      if (p.number == ack.largest()) {
        // §5.3: an RTT sample from a newly acknowledged, ack-eliciting Largest Acknowledged.
        // ACK Delay is capped before scaling so a huge value cannot overflow.
        const uint64_t delay_us = std::min<uint64_t>(ack.ack_delay_us, kMaxAckDelayMs * 1000);
        rtt_.onSample(now_ns > p.sent_ns ? now_ns - p.sent_ns : 0, delay_us * 1000);
        if (first_sample_ns_ == UINT64_MAX) first_sample_ns_ = now_ns;
      }
      cc_.onAcked(p.size, p.sent_ns);
      l.onPacketAcked(p);
    }
  }
  if (!newly_acked) {
    popSettled();
    return false;
  }
  pto_count_ = 0;  // §5.3: a new acknowledgement ends the backoff
  detectLoss(now_ns, l);
  popSettled();
  return true;
}

void SentPackets::detectLoss(uint64_t now_ns, Listener& l) {
  // RFC 9002 §6.1: only packets below the largest acknowledged can be declared lost.
  loss_time_ns_ = UINT64_MAX;
  if (!has_largest_acked_) return;
  const uint64_t delay = rtt_.lossDelayNs();
  const uint64_t lost_send_time = now_ns >= delay ? now_ns - delay : 0;
  const bool time_passed = now_ns >= delay;
  const uint64_t persistent_duration = kPersistentCongestionFactor * rtt_.probeTimeoutNs();
  bool any_lost = false;
  uint64_t newest_lost_sent_ns = 0;
  // RFC 9002 §7.6.2: a run of consecutive lost packets, all sent after the first RTT sample,
  // that spans the persistent congestion duration and holds a packet lost now.
  bool in_run = false;
  bool run_has_new = false;
  uint64_t run_start_ns = 0;
  bool persistent = false;
  for (size_t i = 0; i < count_; ++i) {
    SentPacket& p = at(i);
    if (p.number > largest_acked_) break;
    if (p.state == SentPacket::State::kAcked) {
      in_run = false;
      continue;
    }
    bool lost_now = false;
    if (p.state == SentPacket::State::kInFlight) {
      // §5.3: packet threshold 3, or time threshold 9/8 × max(srtt, latest_rtt).
      if (largest_acked_ >= p.number + kPacketThreshold ||
          (time_passed && p.sent_ns <= lost_send_time)) {
        p.state = SentPacket::State::kLost;
        --in_flight_;
        cc_.onLost(p.size);
        any_lost = true;
        lost_now = true;
        newest_lost_sent_ns = std::max(newest_lost_sent_ns, p.sent_ns);
        l.onPacketLost(p);
      } else {
        loss_time_ns_ = std::min(loss_time_ns_, p.sent_ns + delay);
        in_run = false;
        continue;
      }
    }
    if (p.sent_ns < first_sample_ns_) {
      in_run = false;
      continue;
    }
    if (!in_run) {
      in_run = true;
      run_has_new = false;
      run_start_ns = p.sent_ns;
    }
    run_has_new = run_has_new || lost_now;
    if (run_has_new && p.sent_ns - run_start_ns > persistent_duration) persistent = true;
  }
  if (!any_lost) return;
  cc_.onCongestionEvent(newest_lost_sent_ns, now_ns);
  if (persistent) {
    cc_.onPersistentCongestion();
    ++persistent_congestions_;
  }
}

void SentPackets::popSettled() {
  // After loss detection the oldest packet in flight is at most kPacketThreshold - 1 below the
  // largest acknowledged, so few settled records wait behind it and ACK ranges that cover old
  // numbers stop at the front: each record is visited O(1) times.
  while (count_ > 0 && at(0).state != SentPacket::State::kInFlight) {
    head_ = (head_ + 1) & (capacity_ - 1);
    --count_;
  }
}

uint64_t SentPackets::timerDeadlineNs() const {
  if (loss_time_ns_ != UINT64_MAX) return loss_time_ns_;
  if (in_flight_ == 0) return UINT64_MAX;
  // §5.3: PTO × 2^pto_count, the exponent capped at 6.
  const unsigned shift = std::min(pto_count_, kMaxBackoffShift);
  return last_eliciting_sent_ns_ + (rtt_.probeTimeoutNs() << shift);
}

SentPackets::TimerAction SentPackets::onTimeout(uint64_t now_ns, Listener& l) {
  if (loss_time_ns_ <= now_ns) {
    detectLoss(now_ns, l);
    popSettled();
    return TimerAction::kLossDetected;
  }
  if (in_flight_ > 0 && timerDeadlineNs() <= now_ns) {
    ++pto_count_;
    return TimerAction::kProbe;
  }
  return TimerAction::kNone;
}

}  // namespace mqttd::simple
