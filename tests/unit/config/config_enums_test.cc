#include "config/config_enums.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

// The text forms are the words of gw.yaml (docs/configuration.md, listeners.quic).
TEST(ConfigEnumsTest, CongestionControlNames) {
  EXPECT_EQ(toString(CongestionControl::kCubic), "cubic");
  EXPECT_EQ(toString(CongestionControl::kBbr), "bbr");
  EXPECT_EQ(toString(CongestionControl::kReno), "reno");
  EXPECT_EQ(kCongestionControls.size(), 3u);
}

TEST(ConfigEnumsTest, RetryModeNames) {
  EXPECT_EQ(toString(RetryMode::kNever), "never");
  EXPECT_EQ(toString(RetryMode::kAlways), "always");
  EXPECT_EQ(toString(RetryMode::kAuto), "auto");
  EXPECT_EQ(kRetryModes.size(), 3u);
}

}  // namespace
}  // namespace mqttd
