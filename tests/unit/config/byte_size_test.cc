#include "config/byte_size.h"

#include <gtest/gtest.h>

namespace mqttd::config {
namespace {

uint64_t ok(std::string_view text) {
  const auto r = parseByteSize(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? *r : 0;
}

std::string error(std::string_view text) {
  const auto r = parseByteSize(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error();
}

constexpr std::string_view kUnits =
    "units: B, KB, MB, GB (1000-based), KiB, MiB, GiB (1024-based); no unit means bytes";

TEST(ByteSizeTest, ParsesEveryUnit) {
  EXPECT_EQ(ok("512"), 512u);
  EXPECT_EQ(ok("0"), 0u);
  EXPECT_EQ(ok("512B"), 512u);
  EXPECT_EQ(ok("64KB"), 64000u);
  EXPECT_EQ(ok("2MB"), 2000000u);
  EXPECT_EQ(ok("3GB"), 3000000000u);
  EXPECT_EQ(ok("64KiB"), 65536u);
  EXPECT_EQ(ok("1MiB"), 1048576u);
  EXPECT_EQ(ok("1GiB"), 1073741824u);
  EXPECT_EQ(ok("16777216GiB"), uint64_t{1} << 54);
}

TEST(ByteSizeTest, RejectsUnknownAndMiscasedUnits) {
  EXPECT_EQ(error("64k"), "invalid size '64k': unknown unit 'k' (" + std::string(kUnits) + ")");
  EXPECT_EQ(error("64kib"),
            "invalid size '64kib': unknown unit 'kib' (" + std::string(kUnits) + ")");
  EXPECT_EQ(error("1TiB"), "invalid size '1TiB': unknown unit 'TiB' (" + std::string(kUnits) + ")");
  EXPECT_FALSE(parseByteSize("64 KiB").ok());
}

TEST(ByteSizeTest, RejectsFractionsNegativesAndGarbage) {
  EXPECT_EQ(error("1.5MiB"),
            "invalid size '1.5MiB': fractions are not supported; use a smaller unit, e.g. 1536KiB "
            "for 1.5MiB");
  EXPECT_EQ(error("-1"), "size '-1' must not be negative");
  EXPECT_EQ(error(""), "empty size; expected e.g. 64KiB or 1048576 (" + std::string(kUnits) + ")");
  EXPECT_EQ(error("KiB"),
            "invalid size 'KiB'; expected a whole number and an optional unit, e.g. 64KiB (" +
                std::string(kUnits) + ")");
}

TEST(ByteSizeTest, RejectsOverflow) {
  EXPECT_EQ(error("18446744073709551616"), "size '18446744073709551616' is too large");
  EXPECT_EQ(error("17179869184GiB"), "size '17179869184GiB' is too large");
  EXPECT_EQ(ok("18446744073709551615"), UINT64_MAX);
}

TEST(ByteSizeTest, FormatsShortestExactBinaryUnit) {
  EXPECT_EQ(formatByteSize(0), "0");
  EXPECT_EQ(formatByteSize(1000), "1000");
  EXPECT_EQ(formatByteSize(65536), "64KiB");
  EXPECT_EQ(formatByteSize(16u * 1024 * 1024), "16MiB");
  EXPECT_EQ(formatByteSize(1024u * 1024 * 1024), "1GiB");
  EXPECT_EQ(formatByteSize(268435460), "268435460");
}

}  // namespace
}  // namespace mqttd::config
