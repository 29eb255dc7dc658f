#include "core/log.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(LogTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(parseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(parseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(parseLogLevel("loud"), std::nullopt);
  EXPECT_EQ(parseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(parseLogFormat("xml"), std::nullopt);
}

TEST(LogTest, JsonEscapeHandlesControlCharacters) {
  EXPECT_EQ(jsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

TEST(LogTest, TextLineHasLevelMessageAndFields) {
  Log::configure(LogLevel::kInfo, LogFormat::kText);
  testing::internal::CaptureStdout();
  Log::info("hello", {{"peer", "1.2.3.4:5"}, {"why", "two words"}});
  Log::debug("hidden");
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find(" INFO hello peer=1.2.3.4:5 why=\"two words\"\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("hidden"), std::string::npos);
}

TEST(LogTest, JsonLineIsOneObject) {
  Log::configure(LogLevel::kDebug, LogFormat::kJson);
  testing::internal::CaptureStdout();
  Log::debug("x\"y", {{"k", "v"}});
  const std::string out = testing::internal::GetCapturedStdout();
  Log::configure(LogLevel::kInfo, LogFormat::kText);
  EXPECT_EQ(out.front(), '{');
  EXPECT_NE(out.find("\"level\":\"debug\",\"msg\":\"x\\\"y\",\"k\":\"v\"}\n"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace mqttd
