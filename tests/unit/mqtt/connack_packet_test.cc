#include "mqtt/connack_packet.h"

#include <gtest/gtest.h>

#include "mqtt/property_builder.h"
#include "mqtt/reason_code.h"
#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::expectRoundTrip;
using testing::hex;

TEST(ConnackPacketTest, GatewayServerUnavailable311) {  // 3.1.1 §3.2.2.3 return code 3
  ConnackPacket p;
  p.reason_code = kConnackV311ServerUnavailable;
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());
  EXPECT_EQ(out, hex("20 02 00 03"));
  expectRoundTrip(out, ProtocolVersion::kV311);
}

TEST(ConnackPacketTest, GatewayServerUnavailableV5) {  // 5.0 §3.2.2.2 reason 0x88
  ConnackPacket p;
  p.reason_code = reason::kServerUnavailable;
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex("20 03 00 88 00"));
  expectRoundTrip(out, ProtocolVersion::kV5);
}

TEST(ConnackPacketTest, DecodesV5WithProperties) {
  const auto wire = hex("20 09 01 00 06 21 00 0A 22 00 05");
  auto p = ConnackPacket::decode(std::span(wire).subspan(2), ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok()) << toString(p.error());
  EXPECT_TRUE(p->session_present);
  EXPECT_EQ(p->properties.receiveMaximum(), 10);
  EXPECT_EQ(p->properties.topicAliasMaximum(), 5);
  expectRoundTrip(wire, ProtocolVersion::kV5);
  EXPECT_EQ(checkTruncations(wire, ProtocolVersion::kV5), 0);
}

TEST(ConnackPacketTest, RejectsReservedAckFlags_MQTT_3_2_2_1) {
  const auto body = hex("02 00");
  EXPECT_EQ(ConnackPacket::decode(body, ProtocolVersion::kV311).error(),
            CodecError::kReservedFlagSet);
}

TEST(ConnackPacketTest, SessionPresentOnlyWithSuccess_MQTT_3_2_2_4) {
  const auto body = hex("01 05");
  EXPECT_EQ(ConnackPacket::decode(body, ProtocolVersion::kV311).error(), CodecError::kInvalidFlags);
}

TEST(ConnackPacketTest, RejectsReservedReturnCodes311) {
  const auto body = hex("00 06");
  EXPECT_EQ(ConnackPacket::decode(body, ProtocolVersion::kV311).error(),
            CodecError::kInvalidReasonCode);
}

TEST(ConnackPacketTest, LengthRules) {
  EXPECT_EQ(ConnackPacket::decode(hex("00 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kTrailingBytes);
  // 5.0 requires the property length.
  EXPECT_EQ(ConnackPacket::decode(hex("00 00"), ProtocolVersion::kV5).error(),
            CodecError::kTruncated);
  EXPECT_EQ(checkTruncations(hex("20 02 00 03"), ProtocolVersion::kV311), 0);
}

}  // namespace
}  // namespace mqttd::mqtt
