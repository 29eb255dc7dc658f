#include "mqtt/topic.h"

#include <gtest/gtest.h>

#include <string>

namespace mqttd::mqtt {
namespace {

TEST(TopicTest, TopicNames) {
  EXPECT_TRUE(isValidTopicName("sport/tennis/player1"));
  EXPECT_TRUE(isValidTopicName("/finance"));
  EXPECT_TRUE(isValidTopicName("/"));
  EXPECT_TRUE(isValidTopicName("$SYS/broker/uptime"));
  EXPECT_FALSE(isValidTopicName(""));                      // [MQTT-4.7.3-1]
  EXPECT_FALSE(isValidTopicName("sport/+"));               // [MQTT-3.3.2-2]
  EXPECT_FALSE(isValidTopicName("sport/#"));               // [MQTT-3.3.2-2]
  EXPECT_FALSE(isValidTopicName(std::string("a\0b", 3)));  // [MQTT-1.5.4-2]
  EXPECT_FALSE(isValidTopicName(std::string(65536, 'a')));
}

// MQTT 5.0 §4.7.1.2 / §4.7.1.3 examples.
TEST(TopicTest, TopicFilters_MQTT_4_7_1) {
  for (const char* ok : {"sport/tennis/player1/#", "sport/#", "#", "+", "sport/+", "+/+", "/+",
                         "sport/+/player1", "+/tennis/#", "/finance", "$SYS/#"}) {
    EXPECT_TRUE(isValidTopicFilter(ok)) << ok;
  }
  for (const char* bad : {"", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "#/a", "a/b#",
                          "a/#b", "a/++", "+a"}) {
    EXPECT_FALSE(isValidTopicFilter(bad)) << bad;
  }
}

TEST(TopicTest, MultiLevelWildcard_MQTT_4_7_1_2) {
  const char* filter = "sport/tennis/player1/#";
  EXPECT_TRUE(topicMatches(filter, "sport/tennis/player1"));
  EXPECT_TRUE(topicMatches(filter, "sport/tennis/player1/ranking"));
  EXPECT_TRUE(topicMatches(filter, "sport/tennis/player1/score/wimbledon"));
  EXPECT_FALSE(topicMatches(filter, "sport/tennis/player2"));
  EXPECT_TRUE(topicMatches("sport/#", "sport"));
  EXPECT_TRUE(topicMatches("#", "sport/tennis"));
}

TEST(TopicTest, SingleLevelWildcard_MQTT_4_7_1_3) {
  EXPECT_TRUE(topicMatches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(topicMatches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(topicMatches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(topicMatches("sport/+", "sport"));
  EXPECT_TRUE(topicMatches("sport/+", "sport/"));
  EXPECT_TRUE(topicMatches("+/+", "/finance"));
  EXPECT_TRUE(topicMatches("/+", "/finance"));
  EXPECT_FALSE(topicMatches("+", "/finance"));
  EXPECT_TRUE(topicMatches("+/tennis/#", "sport/tennis/player1"));
}

TEST(TopicTest, DollarTopics_MQTT_4_7_2_1) {
  EXPECT_FALSE(topicMatches("#", "$SYS/monitor/Clients"));
  EXPECT_FALSE(topicMatches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topicMatches("$SYS/#", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topicMatches("$SYS/monitor/+", "$SYS/monitor/Clients"));
}

TEST(TopicTest, ExactAndLevelCounts) {
  EXPECT_TRUE(topicMatches("a/b", "a/b"));
  EXPECT_FALSE(topicMatches("a/b", "a/b/c"));
  EXPECT_FALSE(topicMatches("a/b/c", "a/b"));
  EXPECT_FALSE(topicMatches("a", "a/"));
  EXPECT_FALSE(topicMatches("ACCOUNTS", "Accounts"));  // case sensitive §4.7.3
  EXPECT_FALSE(topicMatches("", "a"));
}

}  // namespace
}  // namespace mqttd::mqtt
