#include "mqtt/subscribe_packet.h"

#include <gtest/gtest.h>

#include "mqtt/property_builder.h"
#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

// "a/+" QoS 1, "b/#" QoS 2.
const char* kV311 = "82 0E 00 01 00 03 61 2F 2B 01 00 03 62 2F 23 02";
// Subscription identifier 7; "a/+" QoS 1, no local, retain as published, retain handling 2.
const char* kV5 = "82 0B 00 01 02 0B 07 00 03 61 2F 2B 2D";

TEST(SubscribePacketTest, Decodes311) {
  const auto wire = hex(kV311);
  auto p = decodeWire(wire, ProtocolVersion::kV311);
  ASSERT_TRUE(p.ok()) << toString(p.error());
  const auto& sub = std::get<SubscribePacket>(*p);
  EXPECT_EQ(sub.packet_id, 1);
  ASSERT_EQ(sub.subscriptions.size(), 2u);
  EXPECT_EQ(sub.subscriptions[0].filter, "a/+");
  EXPECT_EQ(sub.subscriptions[0].qos, 1);
  EXPECT_EQ(sub.subscriptions[1].filter, "b/#");
  EXPECT_EQ(sub.subscriptions[1].qos, 2);
  expectRoundTrip(hex(kV311), ProtocolVersion::kV311);
}

TEST(SubscribePacketTest, DecodesV5Options) {
  const auto wire = hex(kV5);
  auto p = decodeWire(wire, ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok()) << toString(p.error());
  const auto& sub = std::get<SubscribePacket>(*p);
  EXPECT_EQ(sub.properties.subscriptionIdentifiers(), std::vector<uint32_t>{7});
  ASSERT_EQ(sub.subscriptions.size(), 1u);
  const Subscription& s = sub.subscriptions[0];
  EXPECT_EQ(s.qos, 1);
  EXPECT_TRUE(s.no_local);
  EXPECT_TRUE(s.retain_as_published);
  EXPECT_EQ(s.retain_handling, 2);
  expectRoundTrip(hex(kV5), ProtocolVersion::kV5);
}

TEST(SubscribePacketTest, EncodesFromFields) {
  PropertyBuilder props;
  props.subscriptionIdentifier(7);
  SubscribePacket p;
  p.packet_id = 1;
  p.properties = props.view();
  p.subscriptions.push_back({"a/+", 1, true, true, 2});
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex(kV5));
}

TEST(SubscribePacketTest, NeedsAtLeastOneFilter_MQTT_3_8_3_3) {
  EXPECT_EQ(decodeWire(hex("82 02 00 01"), ProtocolVersion::kV311).error(),
            CodecError::kNoTopicFilters);
  EXPECT_EQ(decodeWire(hex("82 03 00 01 00"), ProtocolVersion::kV5).error(),
            CodecError::kNoTopicFilters);
}

TEST(SubscribePacketTest, RejectsReservedOptionBits) {
  // 3.1.1 [MQTT-3-8.3-4]: bits 7..2 reserved.
  EXPECT_EQ(decodeWire(hex("82 06 00 01 00 01 61 04"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidOptions);
  // 5.0 [MQTT-3.8.3-5]: bits 7..6 reserved.
  EXPECT_EQ(decodeWire(hex("82 07 00 01 00 00 01 61 40"), ProtocolVersion::kV5).error(),
            CodecError::kInvalidOptions);
  // 5.0 §3.8.3.1: retain handling 3 is a Protocol Error.
  EXPECT_EQ(decodeWire(hex("82 07 00 01 00 00 01 61 30"), ProtocolVersion::kV5).error(),
            CodecError::kInvalidOptions);
  // QoS 3.
  EXPECT_EQ(decodeWire(hex("82 06 00 01 00 01 61 03"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidQos);
  // 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription.
  EXPECT_EQ(
      decodeWire(hex("82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04"), ProtocolVersion::kV5)
          .error(),
      CodecError::kInvalidOptions);
}

TEST(SubscribePacketTest, RejectsInvalidFilters_MQTT_4_7_1) {
  EXPECT_EQ(decodeWire(hex("82 07 00 01 00 02 61 23 00"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicFilter);  // "a#"
  EXPECT_EQ(decodeWire(hex("82 09 00 01 00 04 23 2F 61 62 00"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicFilter);  // "#/ab"
  EXPECT_EQ(decodeWire(hex("82 05 00 01 00 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidTopicFilter);  // empty filter
}

TEST(SubscribePacketTest, RejectsZeroPacketId) {
  EXPECT_EQ(decodeWire(hex("82 06 00 00 00 01 61 00"), ProtocolVersion::kV311).error(),
            CodecError::kZeroPacketId);
}

TEST(SubscribePacketTest, Truncations) {
  // Cutting exactly after the first subscription leaves a valid one-filter SUBSCRIBE.
  EXPECT_EQ(checkTruncations(hex(kV311), ProtocolVersion::kV311), 1);
  EXPECT_EQ(checkTruncations(hex(kV5), ProtocolVersion::kV5), 0);
}

TEST(SubscribePacketTest, EncoderValidates) {
  SubscribePacket p;
  std::vector<uint8_t> out;
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kZeroPacketId);
  p.packet_id = 1;
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kNoTopicFilters);
  p.subscriptions.push_back({"a/#/b", 0, false, false, 0});
  EXPECT_EQ(p.encode(ProtocolVersion::kV311, out).error(), CodecError::kInvalidTopicFilter);
  p.subscriptions[0] = {"a", 0, false, false, 3};
  EXPECT_EQ(p.encode(ProtocolVersion::kV5, out).error(), CodecError::kInvalidOptions);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());  // v5 options not sent in 3.1.1
  EXPECT_EQ(out, hex("82 06 00 01 00 01 61 00"));
}

}  // namespace
}  // namespace mqttd::mqtt
