#include "mqtt/connect_packet.h"

#include <gtest/gtest.h>

#include "mqtt/property_builder.h"
#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;
using testing::textOf;

// Client id "abc", clean session, keepalive 60.
const char* kV311Minimal = "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63";
const char* kV31Minimal = "10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63";
// 5.0: session expiry 120, will (QoS 1, retain, will delay 5, "w/t" = "bye"), user "u",
// password "p".
const char* kV5Full =
    "10 2B 00 04 4D 51 54 54 05 EE 00 3C 05 11 00 00 00 78 00 03 61 62 63"
    " 05 18 00 00 00 05 00 03 77 2F 74 00 03 62 79 65 00 01 75 00 01 70";

Result<ConnectPacket, CodecError> decodeBody(const std::vector<uint8_t>& wire) {
  return ConnectPacket::decode(std::span(wire).subspan(2));
}

TEST(ConnectPacketTest, DecodesMinimal311) {
  const auto wire = hex(kV311Minimal);
  auto p = decodeBody(wire);
  ASSERT_TRUE(p.ok()) << toString(p.error());
  EXPECT_EQ(p->version, ProtocolVersion::kV311);
  EXPECT_TRUE(p->clean_start);
  EXPECT_EQ(p->keep_alive, 60);
  EXPECT_EQ(p->client_id, "abc");
  EXPECT_FALSE(p->will);
  EXPECT_FALSE(p->username);
  EXPECT_FALSE(p->password);
  expectRoundTrip(wire, ProtocolVersion::kV311);
}

TEST(ConnectPacketTest, Decodes31WithMQIsdp) {
  const auto wire = hex(kV31Minimal);
  auto p = decodeBody(wire);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->version, ProtocolVersion::kV31);
  expectRoundTrip(wire, ProtocolVersion::kV31);
}

TEST(ConnectPacketTest, DecodesFullV5) {
  const auto wire = hex(kV5Full);
  auto p = decodeBody(wire);
  ASSERT_TRUE(p.ok()) << toString(p.error());
  EXPECT_EQ(p->version, ProtocolVersion::kV5);
  EXPECT_EQ(p->properties.sessionExpiryInterval(), 120u);
  ASSERT_TRUE(p->will);
  EXPECT_EQ(p->will->qos, 1);
  EXPECT_TRUE(p->will->retain);
  EXPECT_EQ(p->will->properties.integer(PropertyId::kWillDelayInterval), 5u);
  EXPECT_EQ(p->will->topic, "w/t");
  EXPECT_EQ(textOf(p->will->payload), "bye");
  EXPECT_EQ(p->username, "u");
  ASSERT_TRUE(p->password);
  EXPECT_EQ(textOf(*p->password), "p");
  expectRoundTrip(wire, ProtocolVersion::kV5);
}

TEST(ConnectPacketTest, EncodesFromFields) {
  PropertyBuilder props;
  props.sessionExpiryInterval(120);
  PropertyBuilder will_props;
  will_props.fourByte(PropertyId::kWillDelayInterval, 5);
  const auto payload = testing::bytesOf("bye");
  const auto password = testing::bytesOf("p");
  ConnectPacket p;
  p.version = ProtocolVersion::kV5;
  p.keep_alive = 60;
  p.properties = props.view();
  p.client_id = "abc";
  p.will = Will{1, true, will_props.view(), "w/t", payload};
  p.username = "u";
  p.password = std::span<const uint8_t>(password);
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(out).ok());
  EXPECT_EQ(out, hex(kV5Full));
}

TEST(ConnectPacketTest, RejectsBadProtocolNameAndLevel_MQTT_3_1_2_1) {
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 58 04 02 00 3C 00 03 61 62 63")).error(),
            CodecError::kInvalidProtocolName);
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 54 06 02 00 3C 00 03 61 62 63")).error(),
            CodecError::kUnsupportedVersion);
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 54 03 02 00 3C 00 03 61 62 63")).error(),
            CodecError::kUnsupportedVersion);  // "MQTT" with level 3
}

TEST(ConnectPacketTest, RejectsReservedFlag_MQTT_3_1_2_3) {
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 54 04 03 00 3C 00 03 61 62 63")).error(),
            CodecError::kReservedFlagSet);
}

TEST(ConnectPacketTest, RejectsWillQosOrRetainWithoutWill_MQTT_3_1_2_11_13_15) {
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 54 04 0A 00 3C 00 03 61 62 63")).error(),
            CodecError::kInvalidWillFlags);  // QoS 1 without will
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 54 04 22 00 3C 00 03 61 62 63")).error(),
            CodecError::kInvalidWillFlags);  // retain without will
}

TEST(ConnectPacketTest, RejectsWillQos3_MQTT_3_1_2_14) {
  EXPECT_EQ(decodeBody(hex("10 0F 00 04 4D 51 54 54 04 1E 00 3C 00 03 61 62 63")).error(),
            CodecError::kInvalidQos);
}

TEST(ConnectPacketTest, PasswordWithoutUsername_MQTT_3_1_2_22) {
  // 3.1.1: malformed.
  EXPECT_EQ(decodeBody(hex("10 12 00 04 4D 51 54 54 04 42 00 3C 00 03 61 62 63 00 01 70")).error(),
            CodecError::kInvalidCredentialFlags);
  // 5.0 allows it (§3.1.2.9).
  auto p = decodeBody(hex("10 13 00 04 4D 51 54 54 05 42 00 3C 00 00 03 61 62 63 00 01 70"));
  ASSERT_TRUE(p.ok()) << toString(p.error());
  EXPECT_FALSE(p->username);
  EXPECT_TRUE(p->password);
}

TEST(ConnectPacketTest, RejectsWildcardWillTopicAndTrailingBytes) {
  // Will topic "w/#": the will topic is a topic name (3.1.1 §3.1.3.3).
  EXPECT_EQ(decodeBody(hex("10 15 00 04 4D 51 54 54 04 06 00 3C 00 01 61 00 03 77 2F 23 00 01 78"))
                .error(),
            CodecError::kInvalidTopicName);
  EXPECT_EQ(decodeBody(hex("10 10 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63 00")).error(),
            CodecError::kTrailingBytes);
}

TEST(ConnectPacketTest, RejectsBadV5Properties) {
  // Topic alias (PUBLISH only) in CONNECT properties: Protocol Error.
  EXPECT_EQ(
      decodeBody(hex("10 13 00 04 4D 51 54 54 05 02 00 3C 03 23 00 01 00 03 61 62 63")).error(),
      CodecError::kPropertyNotAllowed);
}

TEST(ConnectPacketTest, EveryTruncationFails) {
  for (const char* fixture : {kV311Minimal, kV31Minimal, kV5Full}) {
    EXPECT_EQ(checkTruncations(hex(fixture), ProtocolVersion::kV5), 0) << fixture;
  }
}

TEST(ConnectPacketTest, EncoderRejectsInvalidFields) {
  ConnectPacket p;
  p.password = std::span<const uint8_t>();
  std::vector<uint8_t> out;
  EXPECT_EQ(p.encode(out).error(), CodecError::kInvalidCredentialFlags);
  p.username = "u";
  p.client_id = "\xC0";
  EXPECT_EQ(p.encode(out).error(), CodecError::kInvalidUtf8);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace mqttd::mqtt
