// Topic filters in config values (`routes[i].filter`): why one is not valid, in words.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqttd::config {

// Nothing when mqtt::isValidTopicFilter(filter) (MQTT 5.0 §4.7); otherwise the reason, a sentence
// fragment for ConfigError::message: "empty filter", "'#' must be the last level (as in
// sensors/#)", "'+' must occupy a whole level (as in sensors/+/temperature)", ...
std::optional<std::string> whyInvalidTopicFilter(std::string_view filter);

}  // namespace mqttd::config
