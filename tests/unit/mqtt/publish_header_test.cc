#include "mqtt/publish_header.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;

FixedHeader headerOf(const std::vector<uint8_t>& wire) {
  auto h = decodeFixedHeader(wire, kMaxPacketSizeLimit);
  EXPECT_TRUE(h.ok() && h->has_value());
  return **h;
}

// 5.0 QoS 1, topic "a/b", packet id 10, topic alias 5, payload "hi".
const char* kV5Qos1 = "32 0D 00 03 61 2F 62 00 0A 03 23 00 05 68 69";

TEST(PublishHeaderTest, NeedsMoreUntilTheVariableHeaderIsComplete) {
  const auto wire = hex(kV5Qos1);
  const FixedHeader h = headerOf(wire);
  const std::span<const uint8_t> body = std::span(wire).subspan(h.size);
  for (size_t n = 0; n < 11; ++n) {
    auto r = decodePublishHeader(h, body.first(n), ProtocolVersion::kV5);
    ASSERT_TRUE(r.ok()) << n << " " << toString(r.error());
    EXPECT_FALSE(r->has_value()) << n;
  }
  for (size_t n = 11; n <= body.size(); ++n) {
    auto r = decodePublishHeader(h, body.first(n), ProtocolVersion::kV5);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->has_value()) << n;
    EXPECT_EQ((*r)->topic, "a/b");
    EXPECT_EQ((*r)->qos, 1);
    EXPECT_EQ((*r)->packet_id, 10);
    EXPECT_EQ((*r)->properties.topicAlias(), 5);
    EXPECT_EQ((*r)->header_length, 11u);
    EXPECT_EQ((*r)->payload_length, 2u);
  }
}

TEST(PublishHeaderTest, BytesBeyondTheRemainingLengthAreIgnored) {
  const auto wire = hex("30 05 00 01 61 68 69 FF FF");
  const FixedHeader h = headerOf(wire);
  auto r = decodePublishHeader(h, std::span(wire).subspan(2), ProtocolVersion::kV311);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->payload_length, 2u);
}

TEST(PublishHeaderTest, TopicLongerThanThePacketFailsAtOnce) {
  // Remaining length 5, topic length 0x0100: an error after two bytes, not "need more".
  const auto wire = hex("30 05 01 00");
  const FixedHeader h = headerOf(wire);
  auto r = decodePublishHeader(h, std::span(wire).subspan(2), ProtocolVersion::kV311);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), CodecError::kTruncated);
}

TEST(PublishHeaderTest, PropertyLengthLongerThanThePacketFailsAtOnce) {
  const auto wire = hex("30 06 00 01 61 10");  // property length 16 > 2 bytes left
  const FixedHeader h = headerOf(wire);
  auto r = decodePublishHeader(h, std::span(wire).subspan(2), ProtocolVersion::kV5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), CodecError::kTruncated);
}

TEST(PublishHeaderTest, PacketIdMissingFromAShortPacketFails) {
  const auto wire = hex("32 04 00 02 61 62");  // QoS 1 without room for the packet id
  const FixedHeader h = headerOf(wire);
  EXPECT_EQ(decodePublishHeader(h, std::span(wire).subspan(2), ProtocolVersion::kV311).error(),
            CodecError::kTruncated);
}

TEST(PublishHeaderTest, FlagRules) {
  PublishHeader p;
  EXPECT_EQ(applyPublishFlags(0x06, p).error(), CodecError::kInvalidQos);    // [MQTT-3.3.1-4]
  EXPECT_EQ(applyPublishFlags(0x08, p).error(), CodecError::kInvalidFlags);  // [MQTT-3.3.1-2]
  ASSERT_TRUE(applyPublishFlags(0x0D, p).ok());
  EXPECT_TRUE(p.dup);
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.qos, 2);
}

TEST(PublishHeaderTest, WrongTypeIsRejected) {
  FixedHeader h;
  h.type = PacketType::kPuback;
  EXPECT_EQ(decodePublishHeader(h, {}, ProtocolVersion::kV5).error(),
            CodecError::kPacketTypeMismatch);
}

}  // namespace
}  // namespace mqttd::mqtt
