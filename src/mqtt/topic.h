// Topic names and filters (MQTT 5.0 §4.7, 3.1.1 §4.7): validity and matching.
#pragma once

#include <string_view>

namespace mqttd::mqtt {

// A topic name as sent in PUBLISH: 1..65,535 bytes of MQTT UTF-8, no '+' or '#'
// [MQTT-4.7.3-1] [MQTT-3.3.2-2] [MQTT-4.7.1-1].
bool isValidTopicName(std::string_view topic);

// A topic filter as sent in SUBSCRIBE/UNSUBSCRIBE: 1..65,535 bytes of MQTT UTF-8;
// '#' only as the whole last level [MQTT-4.7.1-2]; '+' only as a whole level [MQTT-4.7.1-3].
bool isValidTopicFilter(std::string_view filter);

// True when `topic` (a valid topic name) matches `filter` (a valid topic filter).
// A filter starting with a wildcard does not match a topic starting with '$' [MQTT-4.7.2-1].
// "sport/#" also matches "sport" (the parent level). Shared-subscription prefixes
// ("$share/<group>/") are not stripped here.
bool topicMatches(std::string_view filter, std::string_view topic);

}  // namespace mqttd::mqtt
