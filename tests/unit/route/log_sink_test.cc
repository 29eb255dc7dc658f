#include "route/log_sink.h"

#include <gtest/gtest.h>

#include "core/log.h"
#include "route_test_support.h"

namespace mqttd {
namespace {

std::string logOf(const Message& m) {
  Log::configure(LogLevel::kInfo, LogFormat::kText);
  LogSink sink("h1");
  testing::internal::CaptureStdout();
  const auto r = sink.deliver(m);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(r.ok());
  return out;
}

TEST(LogSinkTest, OneLineWithTheMessageFields) {
  const std::string out = logOf(test::sampleMessage("a/b", "hello"));
  EXPECT_NE(out.find(" INFO message handler=h1 topic=a/b qos=1 retain=false client_id=c1 "
                     "transport=quic peer=127.0.0.1:5000 connection_id=1f bytes=5 "
                     "payload=hello encoding=utf8\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
}

TEST(LogSinkTest, PreviewIsCutAtACharacterBoundary) {
  // 255 ASCII bytes and a 2-byte character: the 256-byte cut would split it.
  const std::string payload = std::string(255, 'a') + "\xC3\xA9" + "tail";
  const std::string out = logOf(test::sampleMessage("t", payload));
  EXPECT_NE(out.find("bytes=261 payload=" + std::string(255, 'a') + " encoding=utf8"),
            std::string::npos)
      << out;
}

TEST(LogSinkTest, BinaryPreviewIsBase64OfTheFirstBytes) {
  std::string payload(300, '\xFF');
  const std::string out = logOf(test::sampleMessage("t", payload));
  // 256 bytes of base64: 344 characters, ending in "==" (256 = 3 * 85 + 1); quoted by the log
  // because of the '='.
  const std::string expected(340, '/');
  EXPECT_NE(out.find("bytes=300 payload=\"" + expected + "/w==\" encoding=base64"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace mqttd
