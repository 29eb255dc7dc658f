#include "quic/simple/new_reno.h"

#include <algorithm>
#include <cassert>

namespace mqttd::simple {

namespace {
constexpr uint64_t kInitialWindowCap = 14720;  // §5.3, RFC 9002 §7.2
}  // namespace

NewReno::NewReno(size_t max_datagram)
    : max_datagram_(max_datagram), window_(initialWindow(max_datagram)) {
  assert(max_datagram > 0);
}

uint64_t NewReno::initialWindow(size_t max_datagram) {
  return std::min<uint64_t>(10 * uint64_t{max_datagram}, kInitialWindowCap);
}

void NewReno::onSent(size_t bytes) {
  in_flight_ += bytes;
}

void NewReno::beginAck() {
  // RFC 9002 §7.8: a window that is not used must not grow. "In use" is judged as Linux does
  // (tcp_is_cwnd_limited): more than half of it was in flight when the acknowledgement came.
  window_in_use_ = 2 * in_flight_ >= window_;
}

void NewReno::onAcked(size_t bytes, uint64_t sent_ns) {
  assert(bytes <= in_flight_);
  in_flight_ -= std::min<uint64_t>(bytes, in_flight_);
  // RFC 9002 §7.3.2: no growth for packets sent before the recovery period began.
  if (inRecovery(sent_ns) || !window_in_use_) return;
  if (window_ < ssthresh_) {
    // §7.3.1 slow start: the window grows by the bytes acknowledged.
    window_ += bytes;
    return;
  }
  // §7.3.3 congestion avoidance: one max_datagram per window of bytes acknowledged.
  acked_in_avoidance_ += bytes;
  if (acked_in_avoidance_ >= window_) {
    acked_in_avoidance_ -= window_;
    window_ += max_datagram_;
  }
}

void NewReno::onLost(size_t bytes) {
  assert(bytes <= in_flight_);
  in_flight_ -= std::min<uint64_t>(bytes, in_flight_);
}

void NewReno::onCongestionEvent(uint64_t sent_ns, uint64_t now_ns) {
  // RFC 9002 §7.3.2: one reduction per recovery period.
  if (inRecovery(sent_ns)) return;
  has_recovery_ = true;
  recovery_start_ns_ = now_ns;
  // kLossReductionFactor 0.5; the window never goes below the minimum.
  ssthresh_ = window_ / 2;
  window_ = std::max(ssthresh_, minimumWindow(max_datagram_));
  acked_in_avoidance_ = 0;
  ++congestion_events_;
}

void NewReno::onPersistentCongestion() {
  window_ = minimumWindow(max_datagram_);
  acked_in_avoidance_ = 0;
  // RFC 9002 §7.6.2 / Appendix B.8: the recovery period ends; slow start resumes up to ssthresh.
  has_recovery_ = false;
}

}  // namespace mqttd::simple
