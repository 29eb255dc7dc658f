#include "splice/frame_tracker.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(FrameTrackerTest, CountsPacketsAcrossArbitrarySplits) {
  FrameTracker frames;
  std::vector<mqtt::PacketType> seen;
  frames.on_packet = [&](mqtt::PacketType t) { seen.push_back(t); };
  // CONNACK, PUBLISH (rl 5), PINGRESP.
  const std::vector<uint8_t> in = {0x20, 0x02, 0x00, 0x00, 0x30, 0x05, 0x00,
                                   0x01, 't',  'h',  'i',  0xd0, 0x00};
  for (size_t split = 0; split <= in.size(); ++split) {
    seen.clear();
    FrameTracker f;
    f.on_packet = frames.on_packet;
    ASSERT_TRUE(f.follow(std::span<const uint8_t>(in.data(), split)));
    ASSERT_TRUE(f.follow(std::span<const uint8_t>(in.data() + split, in.size() - split)));
    EXPECT_TRUE(f.connackSeen());
    EXPECT_TRUE(f.atPacketBoundary());
    EXPECT_EQ(seen, (std::vector<mqtt::PacketType>{mqtt::PacketType::kConnack,
                                                   mqtt::PacketType::kPublish,
                                                   mqtt::PacketType::kPingresp}))
        << "split at " << split;
  }
}

TEST(FrameTrackerTest, KnowsWhenItIsInsideAPacket) {
  FrameTracker frames;
  ASSERT_TRUE(frames.follow(std::vector<uint8_t>{0x30, 0x0a, 0x00}));
  EXPECT_FALSE(frames.atPacketBoundary());
  EXPECT_FALSE(frames.connackSeen());
}

TEST(FrameTrackerTest, StopsOnGarbage) {
  FrameTracker frames;
  EXPECT_FALSE(frames.follow(std::vector<uint8_t>{0x00, 0x00}));  // packet type 0 is reserved
  EXPECT_FALSE(frames.follow(std::vector<uint8_t>{0x20, 0x02, 0x00, 0x00}));
}

}  // namespace
}  // namespace mqttd
