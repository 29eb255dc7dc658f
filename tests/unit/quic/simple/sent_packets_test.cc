#include "quic/simple/sent_packets.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace mqttd::simple {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint32_t kSize = 1000;

class Recorder : public SentPackets::Listener {
 public:
  void onPacketAcked(const SentPacket& p) override { acked.push_back(p.number); }
  void onPacketLost(const SentPacket& p) override { lost.push_back(p.number); }
  std::vector<uint64_t> acked;
  std::vector<uint64_t> lost;
};

AckFrame ackOf(std::initializer_list<AckRange> ranges, uint64_t delay_us = 0) {
  AckFrame ack;
  ack.ack_delay_us = delay_us;
  for (const AckRange& r : ranges) ack.ranges[ack.range_count++] = r;
  return ack;
}

class SentPacketsTest : public ::testing::Test {
 protected:
  SentPackets::Listener& listener() { return recorder_; }

  void send(uint64_t now_ns) {
    SentPacket p;
    p.number = sent_.nextNumber();
    p.sent_ns = now_ns;
    p.size = kSize;
    sent_.onSent(p);
  }
  bool ack(std::initializer_list<AckRange> ranges, uint64_t now_ns, uint64_t delay_us = 0) {
    auto r = sent_.onAck(ackOf(ranges, delay_us), now_ns, recorder_);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  }

  RttEstimator rtt_;
  NewReno cc_{1200};
  SentPackets sent_{rtt_, cc_};
  Recorder recorder_;
};

TEST_F(SentPacketsTest, AnAckTakesAnRttSampleAndFreesTheWindow) {
  send(0);
  send(0);
  EXPECT_EQ(sent_.inFlightCount(), 2u);
  EXPECT_EQ(cc_.bytesInFlight(), 2 * kSize);
  EXPECT_TRUE(ack({{0, 1}}, 30 * kMs, 2000));
  EXPECT_EQ(recorder_.acked, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(rtt_.latestNs(), 30 * kMs);  // the first sample ignores ACK Delay
  EXPECT_EQ(sent_.inFlightCount(), 0u);
  EXPECT_EQ(sent_.trackedCount(), 0u);
  EXPECT_EQ(cc_.bytesInFlight(), 0u);
  // The same ACK again acknowledges nothing new.
  EXPECT_FALSE(ack({{0, 1}}, 40 * kMs));
  EXPECT_EQ(recorder_.acked.size(), 2u);
}

TEST_F(SentPacketsTest, AnAckOfANumberNeverSentIsRefused) {
  send(0);
  auto r = sent_.onAck(ackOf({{1, 1}}), kMs, recorder_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), SentPackets::AckError::kNeverSent);
  EXPECT_TRUE(recorder_.acked.empty());
}

TEST_F(SentPacketsTest, UntrackedNumbersMayBeAcknowledged) {
  sent_.onSentUntracked();  // an ACK-only packet, number 0
  send(0);                  // number 1
  EXPECT_TRUE(ack({{0, 1}}, 10 * kMs));
  EXPECT_EQ(recorder_.acked, (std::vector<uint64_t>{1}));
}

TEST_F(SentPacketsTest, NoRttSampleWhenTheLargestIsNotNewlyAcknowledged) {
  send(0);
  send(0);
  EXPECT_TRUE(ack({{1, 1}}, 20 * kMs));
  EXPECT_EQ(rtt_.latestNs(), 20 * kMs);
  EXPECT_TRUE(ack({{0, 1}}, 90 * kMs));  // newly acknowledges 0 only
  EXPECT_EQ(rtt_.latestNs(), 20 * kMs);
}

TEST_F(SentPacketsTest, PacketThresholdDeclaresLossAtOnce) {
  for (int i = 0; i < 5; ++i) send(0);
  // §5.3: 3 acknowledged makes 0 lost (3 >= 0 + 3); 1 and 2 wait for the time threshold.
  EXPECT_TRUE(ack({{3, 3}}, 10 * kMs));
  EXPECT_EQ(recorder_.lost, (std::vector<uint64_t>{0}));
  EXPECT_EQ(cc_.congestionEvents(), 1u);
  // The loss timer is armed at 9/8 × max(srtt, latest) after the send time of 1.
  EXPECT_EQ(sent_.timerDeadlineNs(), rtt_.lossDelayNs());
  EXPECT_TRUE(ack({{4, 4}, {3, 3}}, 11 * kMs));
  EXPECT_EQ(recorder_.lost, (std::vector<uint64_t>{0, 1}));
}

TEST_F(SentPacketsTest, TimeThresholdDeclaresLossFromTheTimer) {
  send(0);
  send(kMs);
  EXPECT_TRUE(ack({{1, 1}}, 20 * kMs));  // rtt 19 ms: 0 was sent less than 9/8 rtt ago
  EXPECT_TRUE(recorder_.lost.empty());
  const uint64_t deadline = sent_.timerDeadlineNs();
  EXPECT_EQ(deadline, rtt_.lossDelayNs());  // 9/8 × 19 ms after packet 0 was sent
  EXPECT_EQ(sent_.onTimeout(deadline - 1, listener()), SentPackets::TimerAction::kNone);
  EXPECT_EQ(sent_.onTimeout(deadline, listener()), SentPackets::TimerAction::kLossDetected);
  EXPECT_EQ(recorder_.lost, (std::vector<uint64_t>{0}));
  EXPECT_EQ(sent_.timerDeadlineNs(), UINT64_MAX);  // nothing in flight
}

TEST_F(SentPacketsTest, ProbeTimeoutBacksOffExponentiallyUpTo64Times) {
  send(0);
  const uint64_t pto = rtt_.probeTimeoutNs();  // 310 ms before any sample
  EXPECT_EQ(sent_.timerDeadlineNs(), pto);
  uint64_t now = 0;
  for (unsigned i = 0; i < 9; ++i) {
    const uint64_t deadline = sent_.timerDeadlineNs();
    // §5.3: PTO × 2^pto_count, capped at 2^6, from the last ack-eliciting send.
    EXPECT_EQ(deadline, now + (pto << std::min(i, 6u))) << i;
    EXPECT_EQ(sent_.onTimeout(deadline, listener()), SentPackets::TimerAction::kProbe);
    EXPECT_EQ(sent_.ptoCount(), i + 1);
    now = deadline;
    send(now);  // the probe
  }
  // A new acknowledgement resets the backoff.
  EXPECT_TRUE(ack({{9, 9}}, now + 50 * kMs));
  EXPECT_EQ(sent_.ptoCount(), 0u);
}

TEST_F(SentPacketsTest, AtMost4096PacketsAreTracked) {
  for (size_t i = 0; i < SentPackets::kMaxInFlight - 1; ++i) send(0);
  EXPECT_TRUE(sent_.canTrackMore());
  send(0);
  EXPECT_FALSE(sent_.canTrackMore());
  EXPECT_TRUE(ack({{0, 9}}, kMs));
  EXPECT_TRUE(sent_.canTrackMore());
  EXPECT_EQ(sent_.trackedCount(), SentPackets::kMaxInFlight - 10);
}

TEST_F(SentPacketsTest, ManyRangesAcknowledgeTheRightPackets) {
  for (int i = 0; i < 200; ++i) send(0);  // the ring grows past its first 64 records
  // Every odd packet acknowledged: 1..129 in one frame of 65 ranges, then 131..199.
  auto odd = [](uint64_t from, uint64_t to) {
    AckFrame a;
    for (uint64_t n = to; n >= from && n <= to; n -= 2) a.ranges[a.range_count++] = {n, n};
    return a;
  };
  const AckFrame low = odd(1, 129);
  ASSERT_EQ(low.range_count, 65u);
  ASSERT_TRUE(sent_.onAck(low, kMs, recorder_).ok());
  EXPECT_EQ(recorder_.acked.size(), 65u);
  EXPECT_EQ(recorder_.lost.size(), 64u);  // 0..126 even (129 >= n + 3)
  ASSERT_TRUE(sent_.onAck(odd(131, 199), kMs, recorder_).ok());
  EXPECT_EQ(recorder_.acked.size(), 100u);
  EXPECT_EQ(recorder_.lost.size(), 99u);  // and 128..196; 198 waits
  EXPECT_EQ(sent_.inFlightCount(), 1u);
}

TEST_F(SentPacketsTest, ALateAckOfALostPacketChangesNothing) {
  for (int i = 0; i < 6; ++i) send(0);
  EXPECT_TRUE(ack({{5, 5}, {0, 0}}, 10 * kMs));
  // 1 and 2 lost (5 >= n + 3); 3 and 4 wait. 0 acknowledged.
  EXPECT_EQ(recorder_.lost, (std::vector<uint64_t>{1, 2}));
  recorder_.acked.clear();
  EXPECT_FALSE(ack({{1, 1}}, 11 * kMs));
  EXPECT_TRUE(recorder_.acked.empty());
  EXPECT_EQ(sent_.inFlightCount(), 2u);
}

TEST_F(SentPacketsTest, PersistentCongestionAfterALongBlackout) {
  send(0);
  EXPECT_TRUE(ack({{0, 0}}, 20 * kMs));  // first RTT sample
  const uint64_t pto = rtt_.probeTimeoutNs();
  // Packets (original and probes) all lost over more than 3 PTO.
  uint64_t now = 21 * kMs;
  for (int i = 0; i < 6; ++i) {
    send(now);
    now += pto;
  }
  send(now);  // acknowledged
  EXPECT_TRUE(ack({{7, 7}}, now + 20 * kMs));
  EXPECT_EQ(recorder_.lost.size(), 6u);
  EXPECT_EQ(sent_.persistentCongestions(), 1u);
  EXPECT_EQ(cc_.window(), NewReno::minimumWindow(1200));
}

TEST_F(SentPacketsTest, NoPersistentCongestionWhenAPacketBetweenArrived) {
  send(0);
  EXPECT_TRUE(ack({{0, 0}}, 20 * kMs));
  const uint64_t pto = rtt_.probeTimeoutNs();
  uint64_t now = 21 * kMs;
  for (int i = 0; i < 6; ++i) {
    send(now);
    now += pto;
  }
  send(now);
  EXPECT_TRUE(ack({{7, 7}, {3, 3}}, now + 20 * kMs));  // 3 breaks the run
  EXPECT_EQ(sent_.persistentCongestions(), 0u);
  EXPECT_GT(cc_.window(), NewReno::minimumWindow(1200));
}

}  // namespace
}  // namespace mqttd::simple
