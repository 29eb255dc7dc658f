#include "quic/simple/rtt_estimator.h"

#include <gtest/gtest.h>

namespace mqttd::simple {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(RttEstimator, BeforeAnySampleUsesTheInitialRtt) {
  RttEstimator rtt;
  EXPECT_FALSE(rtt.hasSample());
  EXPECT_EQ(rtt.smoothedNs(), 100 * kMs);  // §5.3
  EXPECT_EQ(rtt.rttVarNs(), 50 * kMs);     // RFC 9002 §5.3: initial_rtt / 2
  // §5.3: PTO = 100 + max(4 × 50, 1) + 10 ms.
  EXPECT_EQ(rtt.probeTimeoutNs(), 310 * kMs);
  // 9/8 × max(srtt, latest).
  EXPECT_EQ(rtt.lossDelayNs(), 112'500'000u);
}

TEST(RttEstimator, FirstSampleSetsEverythingAndIgnoresAckDelay) {
  RttEstimator rtt;
  rtt.onSample(40 * kMs, 5 * kMs);
  EXPECT_TRUE(rtt.hasSample());
  EXPECT_EQ(rtt.smoothedNs(), 40 * kMs);
  EXPECT_EQ(rtt.rttVarNs(), 20 * kMs);
  EXPECT_EQ(rtt.minRttNs(), 40 * kMs);
  EXPECT_EQ(rtt.latestNs(), 40 * kMs);
  EXPECT_EQ(rtt.probeTimeoutNs(), (40 + 80 + 10) * kMs);
}

TEST(RttEstimator, LaterSamplesAreSmoothedWithTheAckDelaySubtracted) {
  RttEstimator rtt;
  rtt.onSample(40 * kMs, 0);
  // 60 ms with 5 ms ACK Delay: 55 ms adjusted (60 >= min_rtt 40 + 5).
  rtt.onSample(60 * kMs, 5 * kMs);
  EXPECT_EQ(rtt.rttVarNs(), (3 * 20 * kMs + 15 * kMs) / 4);  // 3/4 rttvar + 1/4 |40 - 55|
  EXPECT_EQ(rtt.smoothedNs(), (7 * 40 * kMs + 55 * kMs) / 8);
  EXPECT_EQ(rtt.minRttNs(), 40 * kMs);
  EXPECT_EQ(rtt.latestNs(), 60 * kMs);
}

TEST(RttEstimator, AckDelayIsNotSubtractedBelowTheMinimum) {
  RttEstimator rtt;
  rtt.onSample(40 * kMs, 0);
  // 42 - 5 would be below min_rtt 40: the sample is used as it is.
  rtt.onSample(42 * kMs, 5 * kMs);
  EXPECT_EQ(rtt.smoothedNs(), (7 * 40 * kMs + 42 * kMs) / 8);
}

TEST(RttEstimator, AckDelayIsCappedAtMaxAckDelay) {
  RttEstimator rtt;
  rtt.onSample(40 * kMs, 0);
  // A peer claiming 50 ms of ACK Delay gets 10 ms (§5.2 max ack delay) subtracted.
  rtt.onSample(100 * kMs, 50 * kMs);
  EXPECT_EQ(rtt.smoothedNs(), (7 * 40 * kMs + 90 * kMs) / 8);
}

TEST(RttEstimator, MinimumFollowsTheLowestRawSample) {
  RttEstimator rtt;
  rtt.onSample(40 * kMs, 0);
  rtt.onSample(30 * kMs, 20 * kMs);
  EXPECT_EQ(rtt.minRttNs(), 30 * kMs);
  rtt.onSample(50 * kMs, 0);
  EXPECT_EQ(rtt.minRttNs(), 30 * kMs);
}

TEST(RttEstimator, ProbeTimeoutHasAOneMillisecondFloorOnTheVariance) {
  RttEstimator rtt;
  rtt.onSample(10 * kMs, 0);
  for (int i = 0; i < 100; ++i) rtt.onSample(10 * kMs, 0);  // rttvar decays towards 0
  EXPECT_LT(4 * rtt.rttVarNs(), kMs);
  EXPECT_EQ(rtt.probeTimeoutNs(), rtt.smoothedNs() + kMs + 10 * kMs);
}

TEST(RttEstimator, LossDelayUsesTheLargerOfSmoothedAndLatest) {
  RttEstimator rtt;
  rtt.onSample(80 * kMs, 0);
  rtt.onSample(160 * kMs, 0);  // latest above srtt
  EXPECT_EQ(rtt.lossDelayNs(), 160 * kMs * 9 / 8);
  RttEstimator tiny;
  tiny.onSample(100'000, 0);  // 0.1 ms: the 1 ms floor applies
  EXPECT_EQ(tiny.lossDelayNs(), kMs);
}

}  // namespace
}  // namespace mqttd::simple
