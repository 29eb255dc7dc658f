#include "mqtt/byte_reader.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;

TEST(ByteReaderTest, ReadsBigEndianIntegers) {
  const auto data = hex("01 02 03 04 05 06 07 80 01");
  ByteReader r(data);
  EXPECT_EQ(*r.u8(), 0x01);
  EXPECT_EQ(*r.u16(), 0x0203);
  EXPECT_EQ(*r.u32(), 0x04050607u);
  EXPECT_EQ(*r.varInt(), 128u);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.offset(), data.size());
}

TEST(ByteReaderTest, TruncationIsAnErrorAndConsumesNothing) {
  const auto data = hex("00 05 61");
  ByteReader r(data);
  EXPECT_EQ(r.u32().error(), CodecError::kTruncated);
  EXPECT_EQ(r.utf8().error(), CodecError::kTruncated);
  EXPECT_EQ(r.binary().error(), CodecError::kTruncated);
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(r.bytes(5).error(), CodecError::kTruncated);
  const auto var = hex("80 80");
  ByteReader v(var);
  EXPECT_EQ(v.varInt().error(), CodecError::kTruncated);
  const auto too_long = hex("FF FF FF FF 01");
  ByteReader t(too_long);
  EXPECT_EQ(t.varInt().error(), CodecError::kVarIntTooLong);
}

TEST(ByteReaderTest, StringsAreViewsIntoTheInput) {
  const auto data = hex("00 03 61 2F 62 00 02 FF 00 7A");
  ByteReader r(data);
  auto text = r.utf8();
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "a/b");
  EXPECT_EQ(static_cast<const void*>(text->data()), static_cast<const void*>(&data[2]));
  auto bin = r.binary();
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(bin->size(), 2u);
  EXPECT_EQ(bin->data(), &data[7]);
  EXPECT_EQ(r.rest().size(), 1u);
  EXPECT_TRUE(r.empty());
}

TEST(ByteReaderTest, Utf8RulesApply_MQTT_1_5_4) {
  const auto bad = hex("00 01 C0");
  ByteReader r(bad);
  EXPECT_EQ(r.utf8().error(), CodecError::kInvalidUtf8);  // [MQTT-1.5.4-1]
  EXPECT_EQ(r.offset(), 0u);
  const auto nul = hex("00 01 00");
  ByteReader n(nul);
  EXPECT_EQ(n.utf8().error(), CodecError::kNullCharacter);  // [MQTT-1.5.4-2]
}

}  // namespace
}  // namespace mqttd::mqtt
