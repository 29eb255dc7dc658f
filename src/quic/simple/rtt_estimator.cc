#include "quic/simple/rtt_estimator.h"

#include <algorithm>

namespace mqttd::simple {

void RttEstimator::onSample(uint64_t latest_rtt_ns, uint64_t ack_delay_ns) {
  latest_ns_ = latest_rtt_ns;
  if (!has_sample_) {
    // RFC 9002 §5.3: the first sample sets everything; ACK Delay is not used.
    has_sample_ = true;
    min_ns_ = latest_rtt_ns;
    smoothed_ns_ = latest_rtt_ns;
    rttvar_ns_ = latest_rtt_ns / 2;
    return;
  }
  // RFC 9002 §5.2: min_rtt ignores ACK Delay.
  min_ns_ = std::min(min_ns_, latest_rtt_ns);
  // §5.3: ACK Delay (at most max_ack_delay) is subtracted when that leaves at least min_rtt.
  const uint64_t ack_delay = std::min(ack_delay_ns, kMaxAckDelayNs);
  uint64_t adjusted = latest_rtt_ns;
  if (latest_rtt_ns >= min_ns_ + ack_delay) adjusted = latest_rtt_ns - ack_delay;
  // rttvar = 3/4 rttvar + 1/4 |srtt - adjusted|; srtt = 7/8 srtt + 1/8 adjusted.
  const uint64_t deviation =
      smoothed_ns_ > adjusted ? smoothed_ns_ - adjusted : adjusted - smoothed_ns_;
  rttvar_ns_ = (3 * rttvar_ns_ + deviation) / 4;
  smoothed_ns_ = (7 * smoothed_ns_ + adjusted) / 8;
}

uint64_t RttEstimator::probeTimeoutNs() const {
  return smoothed_ns_ + std::max(4 * rttvar_ns_, kGranularityNs) + kMaxAckDelayNs;
}

uint64_t RttEstimator::lossDelayNs() const {
  // RFC 9002 §6.1.2: kTimeThreshold = 9/8, never below kGranularity.
  const uint64_t base = std::max(smoothed_ns_, latest_ns_);
  return std::max(base + base / 8, kGranularityNs);
}

}  // namespace mqttd::simple
