#include "mqtt/properties.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;
using testing::textOf;

Result<Properties, CodecError> parse(const std::vector<uint8_t>& block, PacketType type) {
  return Properties::parse(block, type);
}

TEST(PropertiesTest, PublishPropertiesAndAccessors) {
  const auto block =
      hex("01 01"                    // payload format indicator 1
          " 02 00 00 00 3C"          // message expiry 60
          " 03 00 04 74 65 78 74"    // content type "text"
          " 08 00 03 72 2F 31"       // response topic "r/1"
          " 09 00 02 AB CD"          // correlation data
          " 0B 07 0B 80 01"          // subscription identifiers 7 and 128
          " 23 00 05"                // topic alias 5
          " 26 00 01 6B 00 01 76"    // user property k=v
          " 26 00 01 6B 00 01 77");  // user property k=w (repeatable)
  auto p = parse(block, PacketType::kPublish);
  ASSERT_TRUE(p.ok()) << toString(p.error());
  EXPECT_EQ(p->payloadFormatIndicator(), 1);
  EXPECT_EQ(p->messageExpiryInterval(), 60u);
  EXPECT_EQ(p->contentType(), "text");
  EXPECT_EQ(p->responseTopic(), "r/1");
  ASSERT_TRUE(p->correlationData());
  EXPECT_EQ(p->correlationData()->size(), 2u);
  EXPECT_EQ(p->subscriptionIdentifiers(), (std::vector<uint32_t>{7, 128}));
  EXPECT_EQ(p->topicAlias(), 5);
  auto users = p->userProperties();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].first, "k");
  EXPECT_EQ(users[1].second, "w");
  EXPECT_FALSE(p->sessionExpiryInterval());
  int count = 0;
  for (const Property& prop : *p) {
    (void)prop;
    ++count;
  }
  EXPECT_EQ(count, 10);
}

TEST(PropertiesTest, ConnectAndConnackAccessors) {
  const auto block = hex("11 00 00 0E 10 21 00 0A 27 00 00 10 00 22 00 04 15 00 01 6D");
  auto p = parse(block, PacketType::kConnect);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->sessionExpiryInterval(), 3600u);
  EXPECT_EQ(p->receiveMaximum(), 10);
  EXPECT_EQ(p->maximumPacketSize(), 4096u);
  EXPECT_EQ(p->topicAliasMaximum(), 4);
  EXPECT_EQ(p->authenticationMethod(), "m");
  const auto reason_block = hex("1F 00 02 6F 6B");
  auto reason = parse(reason_block, PacketType::kConnack);
  ASSERT_TRUE(reason.ok());
  EXPECT_EQ(reason->reasonString(), "ok");
}

TEST(PropertiesTest, EmptyBlockIsValidEverywhere) {
  for (int t = 1; t <= 15; ++t) EXPECT_TRUE(parse({}, static_cast<PacketType>(t)).ok());
  Properties empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.encodedSize(), 1u);
  EXPECT_EQ(empty.begin(), empty.end());
}

TEST(PropertiesTest, RejectsUnknownIdentifiers) {
  for (const char* bad : {"00 00", "04 00", "2B 00", "7F 00"}) {
    auto p = parse(hex(bad), PacketType::kPublish);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error(), CodecError::kInvalidPropertyId) << bad;
  }
}

// 5.0 §2.2.2.2: a property other than User Property (and Subscription Identifier in
// PUBLISH) appearing twice is a Protocol Error.
TEST(PropertiesTest, RejectsDuplicates) {
  EXPECT_EQ(parse(hex("23 00 01 23 00 02"), PacketType::kPublish).error(),
            CodecError::kDuplicateProperty);
  EXPECT_EQ(parse(hex("0B 01 0B 02"), PacketType::kSubscribe).error(),
            CodecError::kDuplicateProperty);
  EXPECT_TRUE(parse(hex("0B 01 0B 02"), PacketType::kPublish).ok());
}

TEST(PropertiesTest, RejectsPropertiesNotAllowedInThePacket) {
  EXPECT_EQ(parse(hex("23 00 01"), PacketType::kConnect).error(),
            CodecError::kPropertyNotAllowed);  // topic alias is PUBLISH only
  EXPECT_EQ(parse(hex("11 00 00 00 01"), PacketType::kPublish).error(),
            CodecError::kPropertyNotAllowed);  // session expiry in PUBLISH
  EXPECT_EQ(parse(hex("1F 00 00"), PacketType::kPublish).error(),
            CodecError::kPropertyNotAllowed);  // reason string in PUBLISH
  EXPECT_EQ(parse(hex("18 00 00 00 01"), PacketType::kConnect).error(),
            CodecError::kPropertyNotAllowed);  // will delay outside the will
  EXPECT_TRUE(Properties::parseWill(hex("18 00 00 00 01 01 01")).ok());
  EXPECT_EQ(Properties::parseWill(hex("23 00 01")).error(), CodecError::kPropertyNotAllowed);
}

TEST(PropertiesTest, RejectsOutOfRangeValues) {
  const struct {
    const char* block;
    PacketType type;
  } bad[] = {
      {"01 02", PacketType::kPublish},              // payload format indicator 0/1
      {"21 00 00", PacketType::kConnect},           // receive maximum 0
      {"27 00 00 00 00", PacketType::kConnect},     // maximum packet size 0
      {"0B 00", PacketType::kSubscribe},            // subscription identifier 0
      {"24 02", PacketType::kConnack},              // maximum QoS 0/1
      {"08 00 03 61 2F 23", PacketType::kPublish},  // response topic "a/#" [MQTT-3.3.2-14]
  };
  for (const auto& c : bad) {
    auto p = parse(hex(c.block), c.type);
    ASSERT_FALSE(p.ok()) << c.block;
    EXPECT_EQ(p.error(), CodecError::kInvalidPropertyValue) << c.block;
  }
}

// 5.0 §3.3.2.3.4: Topic Alias 0 has its own error, so a server can answer it with 0x94.
TEST(PropertiesTest, TopicAliasZeroIsItsOwnError) {
  auto p = parse(hex("23 00 00"), PacketType::kPublish);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), CodecError::kTopicAliasZero);
}

TEST(PropertiesTest, RejectsTruncatedValues) {
  for (const char* bad : {"23", "23 00", "02 00 00 00", "03 00 05 61", "26 00 01 6B", "0B 80"}) {
    auto p = parse(hex(bad), PacketType::kPublish);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error(), CodecError::kTruncated) << bad;
  }
  EXPECT_EQ(parse(hex("03 00 01 C0"), PacketType::kPublish).error(), CodecError::kInvalidUtf8);
}

TEST(PropertiesTest, ReadTakesTheLengthPrefixAndEncodesItBack) {
  const auto data = hex("03 23 00 07 FF");
  ByteReader reader(data);
  auto p = Properties::read(reader, PacketType::kPublish);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->topicAlias(), 7);
  EXPECT_EQ(reader.remaining(), 1u);
  EXPECT_EQ(p->encodedSize(), 4u);
  std::vector<uint8_t> out;
  p->encode(out);
  EXPECT_EQ(out, hex("03 23 00 07"));
  const auto too_long = hex("05 23 00 07");
  ByteReader r2(too_long);
  EXPECT_EQ(Properties::read(r2, PacketType::kPublish).error(), CodecError::kTruncated);
}

TEST(PropertiesTest, IdsHaveNames) {
  EXPECT_EQ(toString(PropertyId::kTopicAlias), "topic-alias");
  EXPECT_EQ(textOf(hex("61")), "a");
}

}  // namespace
}  // namespace mqttd::mqtt
