#include "config/topic_filter.h"

#include "mqtt/byte_writer.h"
#include "mqtt/topic.h"
#include "mqtt/utf8.h"

namespace mqttd::config {

std::optional<std::string> whyInvalidTopicFilter(std::string_view filter) {
  if (mqtt::isValidTopicFilter(filter)) return std::nullopt;
  if (filter.empty()) return std::string("empty filter; write a topic filter such as sensors/#");
  const std::string quoted = "invalid topic filter '" + std::string(filter) + "': ";
  if (filter.size() > mqtt::kMaxStringLength)
    return "topic filter is " + std::to_string(filter.size()) +
           " bytes long; MQTT allows at most " + std::to_string(mqtt::kMaxStringLength);
  if (const auto utf8 = mqtt::validateMqttUtf8(filter); !utf8.ok())
    return quoted + (utf8.error() == mqtt::CodecError::kNullCharacter
                         ? "contains U+0000, which MQTT strings must not [MQTT-1.5.4-2]"
                         : "is not valid UTF-8 [MQTT-1.5.4-1]");
  for (size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c != '+' && c != '#') continue;
    const bool starts_level = i == 0 || filter[i - 1] == '/';
    const bool ends_level = i + 1 == filter.size() || filter[i + 1] == '/';
    // [MQTT-4.7.1-2]: '#' alone in the last level; [MQTT-4.7.1-3]: '+' alone in its level.
    if (c == '#' && !(starts_level && ends_level))
      return quoted + "'#' must occupy a whole level (as in sensors/#)";
    if (c == '#' && i + 1 != filter.size())
      return quoted + "'#' must be the last level (as in sensors/#)";
    if (c == '+' && !(starts_level && ends_level))
      return quoted + "'+' must occupy a whole level (as in sensors/+/temperature)";
  }
  return quoted + "not a valid MQTT topic filter";  // a rule of isValidTopicFilter not named above
}

}  // namespace mqttd::config
