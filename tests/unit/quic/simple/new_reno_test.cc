#include "quic/simple/new_reno.h"

#include <gtest/gtest.h>

namespace mqttd::simple {
namespace {

constexpr size_t kMtu = 1200;

// Fills the window with full packets.
void fill(NewReno& cc) {
  while (cc.canSend(kMtu)) cc.onSent(kMtu);
}

TEST(NewReno, InitialAndMinimumWindows) {
  // §5.3: min(10 × max_datagram, 14720), minimum 2 × max_datagram.
  EXPECT_EQ(NewReno::initialWindow(1200), 12000u);
  EXPECT_EQ(NewReno::initialWindow(1500), 14720u);
  EXPECT_EQ(NewReno::initialWindow(65527), 14720u);
  EXPECT_EQ(NewReno::minimumWindow(1200), 2400u);
  NewReno cc(kMtu);
  EXPECT_EQ(cc.window(), 12000u);
  EXPECT_TRUE(cc.inSlowStart());
}

TEST(NewReno, TheWindowBoundsBytesInFlight) {
  NewReno cc(kMtu);
  fill(cc);
  EXPECT_EQ(cc.bytesInFlight(), 12000u);
  EXPECT_FALSE(cc.canSend(1));
  cc.onLost(kMtu);
  EXPECT_TRUE(cc.canSend(kMtu));
}

TEST(NewReno, SlowStartGrowsByTheBytesAcknowledged) {
  NewReno cc(kMtu);
  fill(cc);
  cc.beginAck();
  for (int i = 0; i < 10; ++i) cc.onAcked(kMtu, 1);
  EXPECT_EQ(cc.window(), 24000u);
  EXPECT_EQ(cc.bytesInFlight(), 0u);
}

TEST(NewReno, AnUnusedWindowDoesNotGrow) {
  // RFC 9002 §7.8: one small packet in flight at a time never grows the window.
  NewReno cc(kMtu);
  for (int i = 0; i < 100; ++i) {
    cc.onSent(100);
    cc.beginAck();
    cc.onAcked(100, 1);
  }
  EXPECT_EQ(cc.window(), 12000u);
}

TEST(NewReno, OneHalvingPerRecoveryPeriod) {
  NewReno cc(kMtu);
  fill(cc);  // sent at t=10
  cc.onLost(kMtu);
  cc.onCongestionEvent(10, 100);
  EXPECT_EQ(cc.window(), 6000u);
  EXPECT_EQ(cc.slowStartThreshold(), 6000u);
  EXPECT_FALSE(cc.inSlowStart());
  // Another loss of a packet sent before the recovery period began (t=100): no change.
  cc.onLost(kMtu);
  cc.onCongestionEvent(50, 120);
  EXPECT_EQ(cc.window(), 6000u);
  EXPECT_EQ(cc.congestionEvents(), 1u);
  // A loss of a packet sent after it began halves again.
  cc.onLost(kMtu);
  cc.onCongestionEvent(150, 200);
  EXPECT_EQ(cc.window(), 3000u);
  EXPECT_EQ(cc.congestionEvents(), 2u);
}

TEST(NewReno, NeverBelowTheMinimumWindow) {
  NewReno cc(kMtu);
  for (uint64_t t = 1; t < 20; ++t) cc.onCongestionEvent(t * 10, t * 10);
  EXPECT_EQ(cc.window(), 2400u);
}

TEST(NewReno, PacketsSentBeforeRecoveryDoNotGrowTheWindow) {
  NewReno cc(kMtu);
  fill(cc);  // sent at t=10
  cc.onLost(kMtu);
  cc.onCongestionEvent(10, 100);
  const uint64_t window = cc.window();
  cc.beginAck();
  cc.onAcked(kMtu, 10);  // sent before t=100
  EXPECT_EQ(cc.window(), window);
}

TEST(NewReno, CongestionAvoidanceAddsOneDatagramPerWindow) {
  NewReno cc(kMtu);
  fill(cc);
  cc.onLost(4 * kMtu);  // 6 packets stay in flight
  cc.onCongestionEvent(10, 100);
  ASSERT_EQ(cc.window(), 6000u);
  // A window's worth of packets sent after recovery began, acknowledged one by one.
  uint64_t acked = 0;
  while (acked < 6000) {
    cc.onSent(kMtu);
    cc.beginAck();
    cc.onAcked(kMtu, 200);
    acked += kMtu;
  }
  EXPECT_EQ(cc.window(), 6000u + kMtu);
}

TEST(NewReno, PersistentCongestionCollapsesTheWindow) {
  NewReno cc(kMtu);
  fill(cc);
  cc.onLost(12000);
  cc.onCongestionEvent(10, 100);
  cc.onPersistentCongestion();
  EXPECT_EQ(cc.window(), 2400u);
  // Slow start again up to ssthresh, and a new recovery period may begin at once.
  EXPECT_TRUE(cc.inSlowStart());
  EXPECT_FALSE(cc.inRecovery(50));
}

}  // namespace
}  // namespace mqttd::simple
