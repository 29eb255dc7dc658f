#include "mqtt/codec_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mqttd::mqtt {
namespace {

TEST(CodecErrorTest, EveryValueHasADistinctText) {
  std::set<std::string> seen;
  for (int i = 0; i <= static_cast<int>(CodecError::kTopicAliasZero); ++i) {
    const std::string_view text = toString(static_cast<CodecError>(i));
    EXPECT_FALSE(text.empty());
    EXPECT_NE(text, "unknown codec error") << i;
    EXPECT_TRUE(seen.emplace(text).second) << text;
  }
  EXPECT_EQ(toString(CodecError::kPacketTooLarge), "packet too large");
}

}  // namespace
}  // namespace mqttd::mqtt
