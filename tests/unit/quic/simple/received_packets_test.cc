#include "quic/simple/received_packets.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::simple {
namespace {

constexpr uint64_t kMs = 1'000'000;

std::vector<AckRange> ranges(const ReceivedPackets& r) {
  return {r.ranges().begin(), r.ranges().end()};
}

TEST(ReceivedPackets, InOrderPacketsFormOneRange) {
  ReceivedPackets r;
  for (uint64_t pn = 0; pn < 5; ++pn) {
    EXPECT_FALSE(r.isDuplicate(pn));
    EXPECT_TRUE(r.onPacket(pn, false, 0));
  }
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{0, 4}}));
  EXPECT_EQ(r.largestSeen(), 4u);
}

TEST(ReceivedPackets, OneAckElicitingPacketIsAcknowledgedWithinTheAckDelay) {
  ReceivedPackets r;
  (void)r.onPacket(0, true, 1000);
  EXPECT_EQ(r.ackDeadlineNs(), 1000 + 10 * kMs);  // §5.2: 10 ms
  EXPECT_FALSE(r.ackDue(1000 + 10 * kMs - 1));
  EXPECT_TRUE(r.ackDue(1000 + 10 * kMs));
}

TEST(ReceivedPackets, TwoAckElicitingPacketsAreAcknowledgedAtOnce) {
  ReceivedPackets r;
  (void)r.onPacket(0, true, 1000);
  (void)r.onPacket(1, true, 2000);
  EXPECT_TRUE(r.ackDue(2000));
  r.onAckSent();
  EXPECT_FALSE(r.ackDue(UINT64_MAX - 1));
  EXPECT_EQ(r.ackDeadlineNs(), UINT64_MAX);
  // The count starts again after an ACK.
  (void)r.onPacket(2, true, 3000);
  EXPECT_FALSE(r.ackDue(3000));
}

TEST(ReceivedPackets, OutOfOrderAckElicitingPacketsAreAcknowledgedAtOnce) {
  ReceivedPackets r;
  (void)r.onPacket(0, true, 0);
  r.onAckSent();
  EXPECT_TRUE(r.onPacket(2, true, 5));  // 1 is missing
  EXPECT_TRUE(r.ackDue(5));
  r.onAckSent();
  EXPECT_FALSE(r.onPacket(1, true, 6));  // fills the hole: also not the next expected
  EXPECT_TRUE(r.ackDue(6));
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{0, 2}}));
}

TEST(ReceivedPackets, AFirstPacketAboveZeroIsOutOfOrder) {
  ReceivedPackets r;
  (void)r.onPacket(3, true, 0);
  EXPECT_TRUE(r.ackDue(0));
}

TEST(ReceivedPackets, NonAckElicitingPacketsScheduleNoAck) {
  ReceivedPackets r;
  (void)r.onPacket(0, false, 0);
  (void)r.onPacket(5, false, 0);  // even out of order
  EXPECT_EQ(r.ackDeadlineNs(), UINT64_MAX);
  EXPECT_TRUE(r.hasRanges());  // but they are acknowledged with the next ACK (§5.2)
}

TEST(ReceivedPackets, DuplicatesAreDetectedAndAcknowledgedAgain) {
  ReceivedPackets r;
  (void)r.onPacket(0, true, 0);
  (void)r.onPacket(1, true, 0);
  r.onAckSent();
  EXPECT_TRUE(r.isDuplicate(0));
  EXPECT_TRUE(r.isDuplicate(1));
  EXPECT_FALSE(r.isDuplicate(2));
  r.onDuplicate(100);
  EXPECT_EQ(r.ackDeadlineNs(), 100 + 10 * kMs);
}

TEST(ReceivedPackets, RangesAreNewestFirstAndHolesMerge) {
  ReceivedPackets r;
  for (uint64_t pn : {0, 1, 2, 5, 6, 9}) (void)r.onPacket(pn, false, 0);
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{9, 9}, {5, 6}, {0, 2}}));
  (void)r.onPacket(4, false, 0);  // joins the range above
  (void)r.onPacket(7, false, 0);  // joins the range below
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{9, 9}, {4, 7}, {0, 2}}));
  (void)r.onPacket(8, false, 0);  // fills a hole: two ranges merge
  (void)r.onPacket(3, false, 0);
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{0, 9}}));
}

TEST(ReceivedPackets, KeepsThe64NewestRanges) {
  ReceivedPackets r;
  // Every even number: one range each.
  for (uint64_t pn = 0; pn < 2 * 70; pn += 2) (void)r.onPacket(pn, false, 0);
  ASSERT_EQ(r.ranges().size(), 64u);
  EXPECT_EQ(r.ranges().front().largest, 138u);
  EXPECT_EQ(r.ranges().back().smallest, 12u);
  // Older numbers cannot be told from duplicates any more.
  EXPECT_TRUE(r.isDuplicate(11));
  EXPECT_TRUE(r.isDuplicate(0));
  EXPECT_FALSE(r.isDuplicate(13));
  (void)r.onPacket(13, false, 0);  // merges two kept ranges
  EXPECT_EQ(r.ranges().size(), 63u);
}

TEST(ReceivedPackets, ForgetsWhatThePeerKnowsItsAckOf) {
  // RFC 9000 §13.2.4.
  ReceivedPackets r;
  for (uint64_t pn : {0, 1, 2, 5, 6, 9}) (void)r.onPacket(pn, false, 0);
  r.forgetUpTo(5);
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{9, 9}, {6, 6}}));
  EXPECT_TRUE(r.isDuplicate(3));  // below the floor now
  EXPECT_FALSE(r.isDuplicate(7));
  r.forgetUpTo(9);
  EXPECT_FALSE(r.hasRanges());
  EXPECT_TRUE(r.onPacket(10, true, 0));
  EXPECT_EQ(ranges(r), (std::vector<AckRange>{{10, 10}}));
}

TEST(ReceivedPackets, AckDelayIsMeasuredFromTheLargest) {
  ReceivedPackets r;
  (void)r.onPacket(3, true, 5 * kMs);
  (void)r.onPacket(1, true, 7 * kMs);  // older: does not move the reference
  EXPECT_EQ(r.ackDelayUs(9 * kMs), 4000u);
  EXPECT_EQ(r.ackDelayUs(0), 0u);
}

TEST(ReceivedPackets, RangesRoundTripThroughAnAckFrame) {
  ReceivedPackets r;
  for (uint64_t pn = 0; pn < 300; ++pn) {
    if (pn % 7 != 3) (void)r.onPacket(pn, false, 0);
  }
  std::array<uint8_t, 1200> buffer{};
  PacketWriter w(buffer, {}, 0);
  ASSERT_TRUE(w.ack(r.ranges(), 25));
  auto reader = PacketReader::decodeShort({buffer.data(), w.size()}, 0);
  ASSERT_TRUE(reader.ok());
  auto frame = reader->nextFrame();
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(frame->has_value());
  const auto& ack = std::get<AckFrame>(**frame);
  EXPECT_EQ(ack.ack_delay_us, 25u);
  ASSERT_EQ(ack.range_count, r.ranges().size());
  for (size_t i = 0; i < ack.range_count; ++i) EXPECT_EQ(ack.ranges[i], r.ranges()[i]);
}

}  // namespace
}  // namespace mqttd::simple
