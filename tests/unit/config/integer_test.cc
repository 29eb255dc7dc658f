#include "config/integer.h"

#include <gtest/gtest.h>

namespace mqttd::config {
namespace {

TEST(IntegerTest, ParsesWithinRange) {
  EXPECT_EQ(*parseInteger("511", 1, 65535), 511);
  EXPECT_EQ(*parseInteger("1", 1, 65535), 1);
  EXPECT_EQ(*parseInteger("65535", 1, 65535), 65535);
  EXPECT_EQ(*parseInteger("-3", -5, 5), -3);
}

TEST(IntegerTest, RejectsOutOfRange) {
  EXPECT_EQ(parseInteger("0", 1, 65535).error(), "0 is out of range 1..65535");
  EXPECT_EQ(parseInteger("70000", 1, 65535).error(), "70000 is out of range 1..65535");
  EXPECT_EQ(parseInteger("99999999999999999999", 1, 65535).error(),
            "99999999999999999999 is out of range 1..65535");
}

TEST(IntegerTest, RejectsNonIntegers) {
  EXPECT_EQ(parseInteger("1k", 1, 65535).error(),
            "invalid integer '1k'; expected a whole number in 1..65535");
  EXPECT_EQ(parseInteger("", 1, 65535).error(),
            "invalid integer ''; expected a whole number in 1..65535");
  EXPECT_FALSE(parseInteger("0x10", 1, 65535).ok());
  EXPECT_FALSE(parseInteger("1.5", 1, 65535).ok());
  EXPECT_FALSE(parseInteger("+5", 1, 65535).ok());
  EXPECT_FALSE(parseInteger("1_000", 1, 65535).ok());
}

}  // namespace
}  // namespace mqttd::config
