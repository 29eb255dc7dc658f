#include "splice/topic_aliases.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(TopicAliasesTest, SetThenUse) {
  TopicAliases aliases(1024);
  EXPECT_EQ(aliases.resolve(1, "a/b").value(), "a/b");
  EXPECT_EQ(aliases.resolve(1, "").value(), "a/b");
  EXPECT_EQ(aliases.resolve(1, "c").value(), "c");  // an alias may be set again
  EXPECT_EQ(aliases.resolve(1, "").value(), "c");
}

TEST(TopicAliasesTest, ZeroAndUnknownAreErrors) {
  TopicAliases aliases(1024);
  EXPECT_FALSE(aliases.resolve(0, "a"));
  EXPECT_FALSE(aliases.resolve(2, ""));
}

TEST(TopicAliasesTest, BytesAreBounded) {
  TopicAliases aliases(8);
  EXPECT_TRUE(aliases.resolve(1, "abcd"));
  EXPECT_TRUE(aliases.resolve(2, "efgh"));
  EXPECT_FALSE(aliases.resolve(3, "i"));       // 9 bytes
  EXPECT_FALSE(aliases.resolve(3, ""));        // and 3 was not set
  EXPECT_TRUE(aliases.resolve(1, "ab"));       // replacing frees bytes
  EXPECT_TRUE(aliases.resolve(3, "ij"));
}

TEST(TopicAliasesTest, BrokerMappingIsTrackedSeparately) {
  TopicAliases aliases(1024);
  ASSERT_TRUE(aliases.resolve(1, "a"));
  EXPECT_FALSE(aliases.brokerKnows(1, "a"));
  aliases.sentToBroker(1, "a");
  EXPECT_TRUE(aliases.brokerKnows(1, "a"));
  EXPECT_FALSE(aliases.brokerKnows(1, "b"));
}

}  // namespace
}  // namespace mqttd
