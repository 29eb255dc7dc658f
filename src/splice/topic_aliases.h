// TopicAliases: the MQTT 5 client -> server topic alias map of one connection (5.0 §3.3.2.3.4),
// so routes see the real topic of a PUBLISH that carries only an alias. Also remembers which
// mapping the broker has been told, because a PUBLISH the gateway keeps (local, drop) sets an
// alias at the gateway only: a later alias-only PUBLISH that is forwarded must then carry its
// topic again (see MqttTap).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace mqttd {

class TopicAliases {
 public:
  // `max_bytes`: bound on the topic bytes held (a client could otherwise make the gateway keep
  // 65,535 topics of 64 KiB each).
  explicit TopicAliases(size_t max_bytes) : max_bytes_(max_bytes) {}

  // A PUBLISH with `alias` (1..65535) and `topic` (empty: alias only). Returns the real topic.
  // Errors: alias 0, an alias-only PUBLISH with an alias never set [MQTT-3.3.2-7 ff.], or the
  // byte bound exceeded.
  Result<std::string, std::string> resolve(uint16_t alias, std::string_view topic);
  // The broker has been sent `topic` with `alias` (it now maps one to the other).
  void sentToBroker(uint16_t alias, const std::string& topic) { broker_[alias] = topic; }
  // Whether the broker maps `alias` to `topic` now.
  bool brokerKnows(uint16_t alias, const std::string& topic) const;

 private:
  size_t max_bytes_;
  size_t bytes_ = 0;                                  // topic bytes in client_
  std::unordered_map<uint16_t, std::string> client_;  // what the client set
  std::unordered_map<uint16_t, std::string> broker_;  // what the broker was sent
};

}  // namespace mqttd
