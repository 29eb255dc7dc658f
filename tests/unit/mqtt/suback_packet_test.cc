#include "mqtt/suback_packet.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

TEST(SubackPacketTest, RoundTrips) {
  const auto v311 = hex("90 05 00 01 01 02 80");
  auto p = decodeWire(v311, ProtocolVersion::kV311);
  ASSERT_TRUE(p.ok());
  const auto& ack = std::get<SubackPacket>(*p);
  EXPECT_EQ(ack.packet_id, 1);
  EXPECT_EQ(ack.reason_codes.size(), 3u);
  EXPECT_EQ(ack.reason_codes[2], 0x80);
  expectRoundTrip(v311, ProtocolVersion::kV311);
  expectRoundTrip(hex("90 05 00 01 00 01 80"), ProtocolVersion::kV5);
  expectRoundTrip(hex("90 08 00 01 04 1F 00 01 78 97"), ProtocolVersion::kV5);
}

TEST(SubackPacketTest, EncodesFromFields) {
  const uint8_t codes[] = {0x01, 0x02};
  SubackPacket p{1, {}, codes};
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());
  EXPECT_EQ(out, hex("90 04 00 01 01 02"));
  out.clear();
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex("90 05 00 01 00 01 02"));
}

TEST(SubackPacketTest, RejectsReservedReturnCodes_MQTT_3_9_3_2) {
  EXPECT_EQ(decodeWire(hex("90 03 00 01 03"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidReasonCode);
  EXPECT_TRUE(decodeWire(hex("90 04 00 01 00 97"), ProtocolVersion::kV5).ok());
}

TEST(SubackPacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("90 02 00 01"), ProtocolVersion::kV311).error(),
            CodecError::kTruncated);  // no return code
  EXPECT_EQ(decodeWire(hex("90 03 00 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kZeroPacketId);
  EXPECT_EQ(decodeWire(hex("90 07 00 01 03 23 00 01 00"), ProtocolVersion::kV5).error(),
            CodecError::kPropertyNotAllowed);
  // Cuts keeping at least one code are valid SUBACKs with fewer codes.
  EXPECT_EQ(checkTruncations(hex("90 05 00 01 01 02 80"), ProtocolVersion::kV311), 2);
  EXPECT_EQ(checkTruncations(hex("90 08 00 01 04 1F 00 01 78 97"), ProtocolVersion::kV5), 0);
}

}  // namespace
}  // namespace mqttd::mqtt
