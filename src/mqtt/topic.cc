#include "mqtt/topic.h"

#include "mqtt/byte_writer.h"
#include "mqtt/utf8.h"

namespace mqttd::mqtt {
namespace {

bool isValidLength(std::string_view text) {
  return !text.empty() && text.size() <= kMaxStringLength && isValidMqttUtf8(text);
}

// Splits off the level before the next '/'; `rest` becomes what follows it.
std::string_view nextLevel(std::string_view& rest, bool& more) {
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    std::string_view level = rest;
    rest = {};
    more = false;
    return level;
  }
  std::string_view level = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  more = true;
  return level;
}

}  // namespace

bool isValidTopicName(std::string_view topic) {
  return isValidLength(topic) && topic.find_first_of("+#") == std::string_view::npos;
}

bool isValidTopicFilter(std::string_view filter) {
  if (!isValidLength(filter)) return false;
  for (size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c != '+' && c != '#') continue;
    const bool starts_level = i == 0 || filter[i - 1] == '/';
    const bool ends_level = i + 1 == filter.size() || filter[i + 1] == '/';
    if (!starts_level || !ends_level) return false;
    if (c == '#' && i + 1 != filter.size()) return false;
  }
  return true;
}

bool topicMatches(std::string_view filter, std::string_view topic) {
  if (filter.empty() || topic.empty()) return false;
  // [MQTT-4.7.2-1]: '$' topics are not matched by a leading '#' or '+'.
  if (topic.front() == '$' && (filter.front() == '#' || filter.front() == '+')) return false;
  bool filter_more = true;
  bool topic_more = true;
  while (filter_more) {
    const std::string_view f = nextLevel(filter, filter_more);
    if (f == "#") return true;  // matches the parent level and everything below
    if (!topic_more) return false;
    const std::string_view t = nextLevel(topic, topic_more);
    if (f != "+" && f != t) return false;
  }
  return !topic_more;
}

}  // namespace mqttd::mqtt
