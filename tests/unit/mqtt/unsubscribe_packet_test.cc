#include "mqtt/unsubscribe_packet.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

TEST(UnsubscribePacketTest, RoundTrips) {
  const auto v311 = hex("A2 07 00 02 00 03 61 2F 2B");
  auto p = decodeWire(v311, ProtocolVersion::kV311);
  ASSERT_TRUE(p.ok());
  const auto& unsub = std::get<UnsubscribePacket>(*p);
  EXPECT_EQ(unsub.packet_id, 2);
  ASSERT_EQ(unsub.filters.size(), 1u);
  EXPECT_EQ(unsub.filters[0], "a/+");
  expectRoundTrip(v311, ProtocolVersion::kV311);
  expectRoundTrip(hex("A2 08 00 02 00 00 03 61 2F 2B"), ProtocolVersion::kV5);
  expectRoundTrip(hex("A2 0D 00 02 07 26 00 01 6B 00 01 76 00 01 23"), ProtocolVersion::kV5);
}

TEST(UnsubscribePacketTest, EncodesFromFields) {
  UnsubscribePacket p;
  p.packet_id = 2;
  p.filters = {"a/+", "#"};
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());
  EXPECT_EQ(out, hex("A2 0A 00 02 00 03 61 2F 2B 00 01 23"));
  p.filters = {"a/#b"};
  out.clear();
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kInvalidTopicFilter);
  p.filters.clear();
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kNoTopicFilters);
}

TEST(UnsubscribePacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("A2 02 00 02"), ProtocolVersion::kV311).error(),
            CodecError::kNoTopicFilters);  // [MQTT-3.10.3-2]
  EXPECT_EQ(decodeWire(hex("A2 05 00 02 00 01 2B"), ProtocolVersion::kV311).ok(), true);
  EXPECT_EQ(decodeWire(hex("A2 06 00 02 00 02 2B 2B"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicFilter);
  EXPECT_EQ(decodeWire(hex("A2 05 00 00 00 01 2B"), ProtocolVersion::kV311).error(),
            CodecError::kZeroPacketId);
  EXPECT_EQ(decodeWire(hex("A0 05 00 02 00 01 2B"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidFlags);  // [MQTT-3.10.1-1]
  EXPECT_EQ(checkTruncations(hex("A2 07 00 02 00 03 61 2F 2B"), ProtocolVersion::kV311), 0);
  EXPECT_EQ(checkTruncations(hex("A2 08 00 02 00 00 03 61 2F 2B"), ProtocolVersion::kV5), 0);
}

}  // namespace
}  // namespace mqttd::mqtt
