#include "mqtt/byte_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::hex;

TEST(ByteWriterTest, WritesBigEndianFields) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  w.u8(1);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.varInt(321);
  ASSERT_TRUE(w.utf8("a/b").ok());
  const uint8_t bin[] = {0xFF};
  ASSERT_TRUE(w.binary(bin).ok());
  EXPECT_EQ(out, hex("01 02 03 04 05 06 07 C1 02 00 03 61 2F 62 00 01 FF"));
  EXPECT_EQ(w.size(), out.size());
}

TEST(ByteWriterTest, RejectsBadStringsWithoutWriting) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  EXPECT_EQ(w.utf8(std::string("a\0", 2)).error(), CodecError::kNullCharacter);
  EXPECT_EQ(w.utf8("\xC0\x80").error(), CodecError::kInvalidUtf8);
  EXPECT_EQ(w.utf8(std::string(65536, 'a')).error(), CodecError::kStringTooLong);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(w.utf8(std::string(65535, 'a')).ok());
  EXPECT_EQ(out.size(), 65537u);
  EXPECT_EQ(prefixedSize(3), 5u);
}

}  // namespace
}  // namespace mqttd::mqtt
