#include "route/message_json.h"

#include <gtest/gtest.h>

#include "route_test_support.h"

namespace mqttd {
namespace {

using test::sampleMessage;

TEST(MessageJsonTest, TextPayloadGivesTheDocumentedLine) {
  EXPECT_EQ(messageToJson(sampleMessage("a/b", "21.5")),
            "{\"topic\":\"a/b\",\"payload\":\"21.5\",\"encoding\":\"utf8\",\"qos\":1,"
            "\"retain\":false,\"client_id\":\"c1\",\"username\":\"u\",\"transport\":\"quic\","
            "\"peer\":\"127.0.0.1:5000\",\"connection_id\":\"1f\","
            "\"timestamp\":\"2026-11-26T03:04:05.123456Z\"}");
}

TEST(MessageJsonTest, EscapesQuotesBackslashesAndControlCharactersIncludingNul) {
  auto m = sampleMessage(
      "a/\"b\"", std::string("x\"\\\n\t\x01\x1f", 7) + std::string(1, '\0') + "\xC3\xA9\x7F");
  const std::string json = messageToJson(m);
  EXPECT_NE(json.find("\"topic\":\"a/\\\"b\\\"\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"payload\":\"x\\\"\\\\\\n\\t\\u0001\\u001f\\u0000\xC3\xA9\x7F\","
                      "\"encoding\":\"utf8\""),
            std::string::npos)
      << json;
  for (char c : json) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << json;
}

TEST(MessageJsonTest, BinaryPayloadIsBase64) {
  auto m = sampleMessage("t", std::string("\xFF\xFE\x00", 3));
  m.qos = 2;
  m.retain = true;
  const std::string json = messageToJson(m);
  EXPECT_NE(json.find("\"payload\":\"//4A\",\"encoding\":\"base64\",\"qos\":2,\"retain\":true"),
            std::string::npos)
      << json;
}

TEST(MessageJsonTest, EmptyPayloadIsEmptyText) {
  EXPECT_NE(messageToJson(sampleMessage("t", "")).find("\"payload\":\"\",\"encoding\":\"utf8\""),
            std::string::npos);
}

TEST(MessageJsonTest, InvalidUtf8OutsideThePayloadBecomesReplacementCharacters) {
  auto m = sampleMessage("a/\xFF", "x");
  m.client_id = "c\xC0\x80";
  const std::string json = messageToJson(m);
  EXPECT_NE(json.find("\"topic\":\"a/\xEF\xBF\xBD\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"client_id\":\"c\xEF\xBF\xBD\xEF\xBF\xBD\""), std::string::npos) << json;
}

TEST(MessageJsonTest, TimestampIsRfc3339UtcWithMicroseconds) {
  Message m;  // the epoch
  EXPECT_NE(messageToJson(m).find("\"timestamp\":\"1970-01-01T00:00:00.000000Z\""),
            std::string::npos);
  m.timestamp = std::chrono::system_clock::time_point(std::chrono::microseconds(951782400000007LL));
  EXPECT_NE(messageToJson(m).find("\"timestamp\":\"2000-02-29T00:00:00.000007Z\""),
            std::string::npos)
      << messageToJson(m);
}

TEST(MessageJsonTest, Base64MatchesRfc4648TestVectors) {
  // RFC 4648 §10.
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\xFB\xFF", 2)), "+/8=");
}

TEST(MessageJsonTest, Utf8CheckFollowsRfc3629AndAllowsNul) {
  EXPECT_TRUE(isWellFormedUtf8(""));
  EXPECT_TRUE(isWellFormedUtf8(std::string(1, '\0')));
  EXPECT_TRUE(isWellFormedUtf8("\xE2\x82\xAC"));           // U+20AC
  EXPECT_TRUE(isWellFormedUtf8("\xF4\x8F\xBF\xBF"));       // U+10FFFF
  EXPECT_TRUE(isWellFormedUtf8("\xEF\xBF\xBF"));           // U+FFFF, a noncharacter
  EXPECT_FALSE(isWellFormedUtf8("\xC0\x80"));              // overlong U+0000
  EXPECT_FALSE(isWellFormedUtf8("\xE0\x80\xAF"));          // overlong '/'
  EXPECT_FALSE(isWellFormedUtf8("\xED\xA0\x80"));          // surrogate U+D800
  EXPECT_FALSE(isWellFormedUtf8("\xF4\x90\x80\x80"));      // above U+10FFFF
  EXPECT_FALSE(isWellFormedUtf8("\xE2\x82"));              // truncated
  EXPECT_FALSE(isWellFormedUtf8("\x80"));                  // lone continuation
  EXPECT_FALSE(isWellFormedUtf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
}

}  // namespace
}  // namespace mqttd
