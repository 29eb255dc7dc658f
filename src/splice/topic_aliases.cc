#include "splice/topic_aliases.h"

namespace mqttd {

Result<std::string, std::string> TopicAliases::resolve(uint16_t alias, std::string_view topic) {
  if (alias == 0) return fail(std::string("topic alias 0 is not allowed [MQTT-3.3.2-8]"));
  if (topic.empty()) {
    const auto it = client_.find(alias);
    if (it == client_.end())
      return fail("topic alias " + std::to_string(alias) + " was never set on this connection");
    return it->second;
  }
  std::string& slot = client_[alias];
  const size_t next = bytes_ - slot.size() + topic.size();
  if (next > max_bytes_) {
    if (slot.empty()) client_.erase(alias);
    return fail("topic aliases hold more than " + std::to_string(max_bytes_) + " bytes of topics");
  }
  bytes_ = next;
  slot.assign(topic);
  return slot;
}

bool TopicAliases::brokerKnows(uint16_t alias, const std::string& topic) const {
  const auto it = broker_.find(alias);
  return it != broker_.end() && it->second == topic;
}

}  // namespace mqttd
