#include "config/suggestion.h"

#include <gtest/gtest.h>

namespace mqttd::config {
namespace {

TEST(SuggestionTest, EditDistance) {
  EXPECT_EQ(editDistance("", ""), 0u);
  EXPECT_EQ(editDistance("abc", ""), 3u);
  EXPECT_EQ(editDistance("adress", "address"), 1u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("backlgo", "backlog"), 1u);  // one swap
  EXPECT_EQ(editDistance("lgo", "log"), 1u);
  EXPECT_EQ(editDistance("ca", "abc"), 3u);  // OSA: no edits of a swapped pair
  EXPECT_EQ(editDistance("abc", "abc"), 0u);
}

TEST(SuggestionTest, ClosestWithinTwoEdits) {
  const std::vector<std::string> keys{"address", "backlog"};
  EXPECT_EQ(closestMatch("adress", keys), "address");
  EXPECT_EQ(closestMatch("backlgo", keys), "backlog");
  EXPECT_EQ(closestMatch("port", keys), std::nullopt);
  EXPECT_EQ(closestMatch("", keys), std::nullopt);
  EXPECT_EQ(closestMatch("x", {}), std::nullopt);
}

TEST(SuggestionTest, ShortWordsGetOneEdit) {
  EXPECT_EQ(closestMatch("tpc", {"tcp"}), "tcp");         // one swap
  EXPECT_EQ(closestMatch("tqx", {"tcp"}), std::nullopt);  // two substitutions
  EXPECT_EQ(closestMatch("tc", {"tcp"}), "tcp");
  EXPECT_EQ(closestMatch("ab", {"cd"}), std::nullopt);
}

TEST(SuggestionTest, PrefersNearestThenEarliest) {
  EXPECT_EQ(closestMatch("infx", {"info", "inf"}), "info");
  EXPECT_EQ(closestMatch("levl", {"level", "levels"}), "level");
}

}  // namespace
}  // namespace mqttd::config
