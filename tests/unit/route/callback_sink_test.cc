#include "route/callback_sink.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "route_test_support.h"

namespace mqttd {
namespace {

TEST(CallbackSinkTest, HandsTheMessageToTheFunction) {
  std::string seen;
  CallbackSink sink([&](const Message& m) { seen = m.topic + "=" + m.payload; });
  const auto r = sink.deliver(test::sampleMessage("a/b", "1"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(seen, "a/b=1");
}

TEST(CallbackSinkTest, StandardExceptionBecomesItsWhat) {
  CallbackSink sink([](const Message&) { throw std::runtime_error("boom"); });
  const auto r = sink.deliver(test::sampleMessage());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "boom");
}

TEST(CallbackSinkTest, OtherExceptionBecomesUnknownException) {
  CallbackSink sink([](const Message&) { throw 42; });
  const auto r = sink.deliver(test::sampleMessage());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unknown exception");
}

TEST(CallbackSinkTest, EmptyFunctionIsAnErrorNotACrash) {
  CallbackSink sink(MessageHandler{});
  EXPECT_FALSE(sink.deliver(test::sampleMessage()).ok());
}

}  // namespace
}  // namespace mqttd
