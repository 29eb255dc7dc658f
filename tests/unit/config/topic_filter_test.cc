#include "config/topic_filter.h"

#include <gtest/gtest.h>

#include "mqtt/topic.h"

namespace mqttd::config {
namespace {

TEST(TopicFilterTest, ValidFiltersHaveNoReason) {
  for (const char* filter : {"#", "+", "a", "a/#", "+/b/#", "a//b", "/", "$SYS/#", "é/+"}) {
    EXPECT_EQ(whyInvalidTopicFilter(filter), std::nullopt) << filter;
    EXPECT_TRUE(mqtt::isValidTopicFilter(filter)) << filter;
  }
}

TEST(TopicFilterTest, ExplainsWhy) {
  EXPECT_EQ(whyInvalidTopicFilter(""), "empty filter; write a topic filter such as sensors/#");
  EXPECT_EQ(whyInvalidTopicFilter("a/#/b"),
            "invalid topic filter 'a/#/b': '#' must be the last level (as in sensors/#)");
  EXPECT_EQ(whyInvalidTopicFilter("a#"),
            "invalid topic filter 'a#': '#' must occupy a whole level (as in sensors/#)");
  EXPECT_EQ(whyInvalidTopicFilter("a/#b"),
            "invalid topic filter 'a/#b': '#' must occupy a whole level (as in sensors/#)");
  EXPECT_EQ(whyInvalidTopicFilter("a+/b"),
            "invalid topic filter 'a+/b': '+' must occupy a whole level (as in "
            "sensors/+/temperature)");
  EXPECT_EQ(whyInvalidTopicFilter("a/++"),
            "invalid topic filter 'a/++': '+' must occupy a whole level (as in "
            "sensors/+/temperature)");
  const std::string nul("a\0b", 3);
  EXPECT_EQ(whyInvalidTopicFilter(nul), "invalid topic filter '" + nul +
                                            "': contains U+0000, which MQTT strings must not "
                                            "[MQTT-1.5.4-2]");
  EXPECT_EQ(whyInvalidTopicFilter("a\xff"),
            "invalid topic filter 'a\xff': is not valid UTF-8 [MQTT-1.5.4-1]");
  EXPECT_EQ(whyInvalidTopicFilter(std::string(65536, 'a')),
            "topic filter is 65536 bytes long; MQTT allows at most 65535");
  EXPECT_EQ(whyInvalidTopicFilter(std::string(65535, 'a')), std::nullopt);
}

TEST(TopicFilterTest, AgreesWithTheCodec) {
  for (const char* filter : {"", "#/", "a/#/", "+a", "a+", "#+", "+#", "a/+/#", "++", "##"})
    EXPECT_EQ(whyInvalidTopicFilter(filter).has_value(), !mqtt::isValidTopicFilter(filter))
        << filter;
}

}  // namespace
}  // namespace mqttd::config
