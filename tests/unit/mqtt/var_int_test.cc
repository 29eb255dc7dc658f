#include "mqtt/var_int.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;

// MQTT 5.0 §1.5.5 Table 1-1: boundaries of the 1..4 byte encodings.
TEST(VarIntTest, EncodesTheSpecBoundaries) {
  const struct {
    uint32_t value;
    const char* wire;
  } cases[] = {{0, "00"},
               {127, "7F"},
               {128, "80 01"},
               {16383, "FF 7F"},
               {16384, "80 80 01"},
               {2097151, "FF FF 7F"},
               {2097152, "80 80 80 01"},
               {268435455, "FF FF FF 7F"}};
  for (const auto& c : cases) {
    std::vector<uint8_t> out;
    EXPECT_EQ(encodeVarInt(c.value, out), hex(c.wire).size());
    EXPECT_EQ(out, hex(c.wire)) << c.value;
    EXPECT_EQ(varIntSize(c.value), out.size());
    auto decoded = decodeVarInt(out);
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ((*decoded)->value, c.value);
    EXPECT_EQ((*decoded)->size, out.size());
  }
}

TEST(VarIntTest, NeedsMoreWhileContinuationBitIsSet) {
  auto decoded = decodeVarInt(hex("80 80"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->has_value());
  decoded = decodeVarInt({});
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->has_value());
}

TEST(VarIntTest, RejectsAFifthByte) {  // §1.5.5: at most four bytes
  auto decoded = decodeVarInt(hex("FF FF FF FF 01"));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error(), CodecError::kVarIntTooLong);
  EXPECT_FALSE(decodeVarInt(hex("80 80 80 80")).ok());
}

TEST(VarIntTest, AcceptsNonMinimalEncodings) {
  auto decoded = decodeVarInt(hex("80 00"));
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_EQ((*decoded)->value, 0u);
  EXPECT_EQ((*decoded)->size, 2);
}

}  // namespace
}  // namespace mqttd::mqtt
