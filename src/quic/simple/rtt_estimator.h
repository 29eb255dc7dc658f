// RttEstimator: the round-trip time of one simple-framing connection, as RFC 9002 §5 with the
// constants of docs/simple-framing.md §5.3: smoothed RTT, RTT variation, minimum and latest
// sample, the probe timeout and the time threshold of loss detection.
#pragma once

#include <cstdint>

namespace mqttd::simple {

class RttEstimator {
 public:
  static constexpr uint64_t kInitialRttNs = 100'000'000;  // §5.3: srtt before any sample
  static constexpr uint64_t kGranularityNs = 1'000'000;   // §5.3: the "1 ms" of PTO and loss delay
  static constexpr uint64_t kMaxAckDelayNs = 10'000'000;  // §5.2: the peer acks within 10 ms

  // One sample (RFC 9002 §5.1): `latest_rtt_ns` = now - send time of the newly acknowledged
  // Largest Acknowledged; `ack_delay_ns` is the peer's ACK Delay (capped at kMaxAckDelayNs as
  // RFC 9002 §5.3 does after the handshake).
  void onSample(uint64_t latest_rtt_ns, uint64_t ack_delay_ns);

  bool hasSample() const { return has_sample_; }
  uint64_t smoothedNs() const { return smoothed_ns_; }
  uint64_t rttVarNs() const { return rttvar_ns_; }
  uint64_t minRttNs() const { return min_ns_; }     // 0 before any sample
  uint64_t latestNs() const { return latest_ns_; }  // 0 before any sample

  // §5.3: PTO = srtt + max(4 × rttvar, 1 ms) + max_ack_delay, without backoff.
  uint64_t probeTimeoutNs() const;
  // §5.3 time threshold: 9/8 × max(srtt, latest_rtt), at least 1 ms.
  uint64_t lossDelayNs() const;

 private:
  bool has_sample_ = false;
  uint64_t smoothed_ns_ = kInitialRttNs;    // RFC 9002 §5.3 smoothed_rtt
  uint64_t rttvar_ns_ = kInitialRttNs / 2;  // RFC 9002 §5.3 rttvar (initial: initial rtt / 2)
  uint64_t min_ns_ = 0;                     // RFC 9002 §5.2 min_rtt, before ack-delay adjustment
  uint64_t latest_ns_ = 0;                  // RFC 9002 §5.1 latest_rtt
};

}  // namespace mqttd::simple
