#include "config/duration.h"

#include <gtest/gtest.h>

namespace mqttd::config {
namespace {

using namespace std::chrono_literals;

std::chrono::microseconds ok(std::string_view text) {
  const auto r = parseDuration(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? *r : std::chrono::microseconds(-1);
}

std::string error(std::string_view text) {
  const auto r = parseDuration(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error();
}

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(ok("250us"), 250us);
  EXPECT_EQ(ok("500ms"), 500ms);
  EXPECT_EQ(ok("30s"), 30s);
  EXPECT_EQ(ok("2m"), 2min);
  EXPECT_EQ(ok("1h"), 1h);
  EXPECT_EQ(ok("0s"), 0s);
  EXPECT_EQ(ok("0ms"), 0s);
}

TEST(DurationTest, SumsParts) {
  EXPECT_EQ(ok("1m30s"), 90s);
  EXPECT_EQ(ok("1h2m3s4ms5us"), 1h + 2min + 3s + 4ms + 5us);
}

TEST(DurationTest, RejectsBareIntegerWithHint) {
  EXPECT_EQ(error("30"),
            "duration '30' has no unit; write e.g. 30s or 30ms (units: us, ms, s, m, h)");
  EXPECT_EQ(error("0"), "duration '0' has no unit; write e.g. 0s or 0ms (units: us, ms, s, m, h)");
}

TEST(DurationTest, RejectsTrailingNumberWithoutUnit) {
  EXPECT_EQ(error("1m30"),
            "invalid duration '1m30': the last number has no unit (units: us, ms, s, m, h)");
}

TEST(DurationTest, RejectsUnknownUnit) {
  EXPECT_EQ(error("30sec"),
            "invalid duration '30sec': unknown unit 'sec' (units: us, ms, s, m, h)");
  EXPECT_EQ(error("5S"), "invalid duration '5S': unknown unit 'S' (units: us, ms, s, m, h)");
  EXPECT_EQ(error("1d"), "invalid duration '1d': unknown unit 'd' (units: us, ms, s, m, h)");
}

TEST(DurationTest, RejectsFractionsNegativesAndGarbage) {
  EXPECT_EQ(error("1.5s"),
            "invalid duration '1.5s': fractions are not supported; use a smaller unit, e.g. "
            "1500ms for 1.5s");
  EXPECT_EQ(error("-5s"), "duration '-5s' must not be negative");
  EXPECT_EQ(error(""), "empty duration; expected e.g. 30s or 500ms (units: us, ms, s, m, h)");
  EXPECT_EQ(error("s"),
            "invalid duration 's'; expected a whole number and a unit, e.g. 30s or 500ms "
            "(units: us, ms, s, m, h)");
  EXPECT_FALSE(parseDuration("30 s").ok());
  EXPECT_FALSE(parseDuration(" 30s").ok());
  EXPECT_FALSE(parseDuration("+30s").ok());
}

TEST(DurationTest, RejectsOverflow) {
  EXPECT_EQ(error("99999999999999999999s"), "duration '99999999999999999999s' is too large");
  EXPECT_EQ(error("9223372036854775807h"), "duration '9223372036854775807h' is too large");
  EXPECT_EQ(error("9223372036854775807us1us"), "duration '9223372036854775807us1us' is too large");
  EXPECT_EQ(ok("9223372036854775807us").count(), INT64_MAX);
}

TEST(DurationTest, FormatsShortestExactUnit) {
  EXPECT_EQ(formatDuration(0s), "0s");
  EXPECT_EQ(formatDuration(1500ms), "1500ms");
  EXPECT_EQ(formatDuration(60s), "1m");
  EXPECT_EQ(formatDuration(90s), "90s");
  EXPECT_EQ(formatDuration(24h), "24h");
  EXPECT_EQ(formatDuration(250us), "250us");
}

}  // namespace
}  // namespace mqttd::config
