#include "mqtt/property_builder.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;

TEST(PropertyBuilderTest, WritesPropertiesInCallOrder) {
  PropertyBuilder b;
  b.reasonString("ok").sessionExpiryInterval(60).userProperty("k", "v");
  EXPECT_EQ(b.bytes(), hex("1F 00 02 6F 6B 11 00 00 00 3C 26 00 01 6B 00 01 76"));
  auto parsed = Properties::parse(b.bytes(), PacketType::kDisconnect);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(b.view().reasonString(), "ok");
  EXPECT_EQ(b.view().sessionExpiryInterval(), 60u);
}

TEST(PropertyBuilderTest, TypedHelpers) {
  PropertyBuilder b;
  b.topicAlias(3).subscriptionIdentifier(300);
  EXPECT_EQ(b.bytes(), hex("23 00 03 0B AC 02"));
  PropertyBuilder c;
  c.receiveMaximum(5).maximumPacketSize(1024).byte(PropertyId::kRequestProblemInformation, 1);
  EXPECT_EQ(c.bytes(), hex("21 00 05 27 00 00 04 00 17 01"));
  const uint8_t data[] = {1, 2};
  PropertyBuilder d;
  d.binary(PropertyId::kCorrelationData, data).text(PropertyId::kContentType, "t");
  EXPECT_EQ(d.bytes(), hex("09 00 02 01 02 03 00 01 74"));
  EXPECT_TRUE(Properties::parse(d.bytes(), PacketType::kPublish).ok());
}

}  // namespace
}  // namespace mqttd::mqtt
