#include "mqtt/fixed_header.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;

Result<std::optional<FixedHeader>, CodecError> decode(std::string_view wire,
                                                      uint32_t max = kMaxPacketSizeLimit) {
  const auto bytes = hex(wire);
  return decodeFixedHeader(bytes, max);
}

TEST(FixedHeaderTest, DecodesTypeFlagsAndLength) {
  auto h = decode("32 0D");
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->type, PacketType::kPublish);
  EXPECT_EQ((*h)->flags, 2);
  EXPECT_EQ((*h)->remaining_length, 13u);
  EXPECT_EQ((*h)->size, 2);
  EXPECT_EQ((*h)->packetSize(), 15u);
}

TEST(FixedHeaderTest, FiveByteHeaderCarriesTheMaximumLength) {
  auto h = decode("30 FF FF FF 7F");
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->remaining_length, 268'435'455u);
  EXPECT_EQ((*h)->size, 5);
}

TEST(FixedHeaderTest, IncrementalPrefixNeedsMore) {
  for (const char* prefix : {"", "30", "30 80", "30 FF FF", "30 FF FF FF"}) {
    auto h = decode(prefix);
    ASSERT_TRUE(h.ok()) << prefix;
    EXPECT_FALSE(h->has_value()) << prefix;
  }
}

TEST(FixedHeaderTest, RejectsReservedTypeZero) {  // [MQTT-2.1.2] type 0 is reserved
  auto h = decode("00");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), CodecError::kReservedPacketType);
}

TEST(FixedHeaderTest, RejectsAFifthLengthByte) {  // §1.5.5 / §2.1.4
  auto h = decode("30 FF FF FF FF 01");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), CodecError::kVarIntTooLong);
}

TEST(FixedHeaderTest, AcceptsNonMinimalLength) {
  auto h = decode("C0 80 00");
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->remaining_length, 0u);
  EXPECT_EQ((*h)->size, 3);
}

// [MQTT-2.1.3-1]: PUBREL, SUBSCRIBE, UNSUBSCRIBE carry 0b0010, all others but PUBLISH 0.
TEST(FixedHeaderTest, ValidatesFlagsPerType_MQTT_2_1_3_1) {
  EXPECT_TRUE(decode("62 02").ok());
  EXPECT_TRUE(decode("82 02").ok());
  EXPECT_TRUE(decode("A2 02").ok());
  for (const char* bad : {"60 02", "80 02", "A0 02", "63 02", "11 00", "21 02", "42 02", "C1 00",
                          "D2 00", "E8 00", "F1 00"}) {
    auto h = decode(bad);
    ASSERT_FALSE(h.ok()) << bad;
    EXPECT_EQ(h.error(), CodecError::kInvalidFlags) << bad;
  }
  // Every flag combination of PUBLISH except QoS 3 is fine at this layer.
  for (int flags = 0; flags < 16; ++flags) {
    const uint8_t wire[] = {uint8_t(0x30 | flags), 0};
    auto h = decodeFixedHeader(wire, kMaxPacketSizeLimit);
    EXPECT_EQ(h.ok(), ((flags >> 1) & 3) != 3) << flags;
  }
}

TEST(FixedHeaderTest, RejectsPublishQos3_MQTT_3_3_1_4) {
  auto h = decode("36 00");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), CodecError::kInvalidQos);
}

TEST(FixedHeaderTest, RejectsPacketsAboveTheMaximumSize) {
  EXPECT_TRUE(decode("30 7E", 128).ok());  // 2 + 126 = 128
  auto h = decode("30 7F", 128);           // 2 + 127 = 129
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error(), CodecError::kPacketTooLarge);
}

TEST(FixedHeaderTest, EncodesHeader) {
  std::vector<uint8_t> out;
  encodeFixedHeader(PacketType::kSubscribe, 2, 321, out);
  EXPECT_EQ(out, hex("82 C1 02"));
  std::vector<uint8_t> packet;
  const auto body = hex("00 01");
  ASSERT_TRUE(appendPacket(PacketType::kPuback, 0, body, packet).ok());
  EXPECT_EQ(packet, hex("40 02 00 01"));
  EXPECT_EQ(requiredFlags(PacketType::kPubrel), 2);
  EXPECT_EQ(requiredFlags(PacketType::kPuback), 0);
}

}  // namespace
}  // namespace mqttd::mqtt
