#include "mqtt/publish_packet.h"

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

const char* kV311Qos0 = "30 07 00 03 61 2F 62 68 69";
const char* kV311Qos1Retain = "33 09 00 03 61 2F 62 00 0A 68 69";
const char* kV5Qos1Alias = "32 0D 00 03 61 2F 62 00 0A 03 23 00 05 68 69";
const char* kV5EmptyTopicAlias = "30 08 00 00 03 23 00 05 68 69";

// `wire` must outlive the returned view.
PublishPacket decodeOk(const std::vector<uint8_t>& wire, ProtocolVersion version) {
  auto p = decodeWire(wire, version);
  EXPECT_TRUE(p.ok()) << toString(p.error());
  if (!p.ok()) return {};
  return std::get<PublishPacket>(*p);
}

TEST(PublishPacketTest, Decodes311) {
  const auto wire = hex(kV311Qos1Retain);
  auto p = decodeWire(wire, ProtocolVersion::kV311);
  ASSERT_TRUE(p.ok());
  const auto& pub = std::get<PublishPacket>(*p);
  EXPECT_EQ(pub.topic, "a/b");
  EXPECT_EQ(pub.qos, 1);
  EXPECT_TRUE(pub.retain);
  EXPECT_FALSE(pub.dup);
  EXPECT_EQ(pub.packet_id, 10);
  EXPECT_EQ(textOf(pub.payload), "hi");
  EXPECT_EQ(pub.payload.data(), wire.data() + 9);  // a view, not a copy
}

TEST(PublishPacketTest, RoundTripsBothVersions) {
  expectRoundTrip(hex(kV311Qos0), ProtocolVersion::kV311);
  expectRoundTrip(hex(kV311Qos1Retain), ProtocolVersion::kV311);
  expectRoundTrip(hex(kV5Qos1Alias), ProtocolVersion::kV5);
  expectRoundTrip(hex(kV5EmptyTopicAlias), ProtocolVersion::kV5);
  expectRoundTrip(hex("3D 07 00 01 61 00 01 00 00"), ProtocolVersion::kV5);  // dup QoS 2 retain
}

TEST(PublishPacketTest, EncodesFromFields) {
  PropertyBuilder props;
  props.topicAlias(5);
  const auto payload = testing::bytesOf("hi");
  PublishPacket p;
  p.topic = "a/b";
  p.qos = 1;
  p.packet_id = 10;
  p.properties = props.view();
  p.payload = payload;
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex(kV5Qos1Alias));
  out.clear();
  ASSERT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());  // properties dropped
  EXPECT_EQ(out, hex("32 09 00 03 61 2F 62 00 0A 68 69"));
}

TEST(PublishPacketTest, EmptyTopicNeedsATopicAlias) {
  const auto wire = hex(kV5EmptyTopicAlias);
  const PublishPacket p = decodeOk(wire, ProtocolVersion::kV5);
  EXPECT_TRUE(p.topic.empty());
  EXPECT_EQ(p.properties.topicAlias(), 5);
  EXPECT_EQ(decodeWire(hex("30 03 00 00 00"), ProtocolVersion::kV5).error(),
            CodecError::kInvalidTopicName);
  EXPECT_EQ(decodeWire(hex("30 02 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicName);  // [MQTT-4.7.3-1]
}

TEST(PublishPacketTest, RejectsWildcardTopics_MQTT_3_3_2_2) {
  EXPECT_EQ(decodeWire(hex("30 05 00 03 61 2F 23"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicName);
  EXPECT_EQ(decodeWire(hex("30 03 00 01 2B"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicName);
}

TEST(PublishPacketTest, RejectsZeroPacketId_MQTT_2_3_1_1) {
  EXPECT_EQ(decodeWire(hex("32 05 00 01 61 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kZeroPacketId);
}

TEST(PublishPacketTest, RejectsDupOnQos0_MQTT_3_3_1_2) {
  EXPECT_EQ(decodeWire(hex("38 03 00 01 61"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidFlags);
}

TEST(PublishPacketTest, RejectsBadUtf8Topic_MQTT_1_5_4_1) {
  EXPECT_EQ(decodeWire(hex("30 03 00 01 FF"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidUtf8);
  EXPECT_EQ(decodeWire(hex("30 03 00 01 00"), ProtocolVersion::kV311).error(),
            CodecError::kNullCharacter);
}

TEST(PublishPacketTest, RejectsPropertyNotAllowed) {
  // Session expiry (0x11) is not a PUBLISH property.
  EXPECT_EQ(decodeWire(hex("30 09 00 01 61 05 11 00 00 00 01"), ProtocolVersion::kV5).error(),
            CodecError::kPropertyNotAllowed);
}

TEST(PublishPacketTest, Truncations) {
  // QoS 0: any cut that keeps the topic whole is a valid PUBLISH with a shorter payload.
  EXPECT_EQ(checkTruncations(hex(kV311Qos0), ProtocolVersion::kV311), 2);
  EXPECT_EQ(checkTruncations(hex(kV311Qos1Retain), ProtocolVersion::kV311), 2);
  EXPECT_EQ(checkTruncations(hex(kV5Qos1Alias), ProtocolVersion::kV5), 2);
  EXPECT_EQ(checkTruncations(hex(kV5EmptyTopicAlias), ProtocolVersion::kV5), 2);
}

TEST(PublishPacketTest, EncoderValidates) {
  PublishPacket p;
  std::vector<uint8_t> out;
  EXPECT_EQ(p.encode(ProtocolVersion::kV5, out).error(), CodecError::kInvalidTopicName);
  p.topic = "a/+";
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kInvalidTopicName);
  p.topic = "a";
  p.qos = 1;
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kZeroPacketId);
  p.qos = 3;
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kInvalidQos);
  p.qos = 0;
  p.dup = true;
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kInvalidFlags);
  EXPECT_TRUE(out.empty());
}

TEST(PublishPacketTest, LengthMismatch) {
  const auto wire = hex(kV311Qos0);
  FixedHeader h{PacketType::kPublish, 0, 7, 2};
  EXPECT_EQ(PublishPacket::decode(h, std::span(wire).subspan(3), ProtocolVersion::kV311).error(),
            CodecError::kLengthMismatch);
}

}  // namespace
}  // namespace mqttd::mqtt
