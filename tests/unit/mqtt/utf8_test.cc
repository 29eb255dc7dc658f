#include "mqtt/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace mqttd::mqtt {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(isValidMqttUtf8(""));
  EXPECT_TRUE(isValidMqttUtf8("sport/tennis"));
  EXPECT_TRUE(isValidMqttUtf8("A\xF0\xAA\x9B\x94"));  // U+2A6D4 (spec §1.5.4 example)
  EXPECT_TRUE(isValidMqttUtf8("\xEF\xBB\xBF"));       // U+FEFF is allowed [MQTT-1.5.4-3]
  EXPECT_TRUE(isValidMqttUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_TRUE(isValidMqttUtf8("\xC3\xA9t\xC3\xA9"));  // été
}

TEST(Utf8Test, RejectsIllFormedText_MQTT_1_5_4_1) {
  for (const char* bad : {"\x80", "\xC3", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80",
                          "\xED\xA0\x80",  // U+D800 surrogate
                          "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "a\xE2\x82"}) {
    auto r = validateMqttUtf8(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error(), CodecError::kInvalidUtf8);
  }
}

TEST(Utf8Test, RejectsNullCharacter_MQTT_1_5_4_2) {
  auto r = validateMqttUtf8(std::string("a\0b", 3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), CodecError::kNullCharacter);
}

}  // namespace
}  // namespace mqttd::mqtt
