// mqttd::Message: one MQTT application message as a handler sees it (docs/routing.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mqttd {

struct Message {
  std::string topic;    // the real topic name (MQTT 5 topic aliases already resolved)
  std::string payload;  // the application message, raw bytes (not necessarily UTF-8)
  uint8_t qos = 0;      // 0..2, as published
  bool retain = false;
  std::string client_id;  // the publisher's CONNECT client identifier (may be empty)
  std::string username;   // the publisher's CONNECT user name; empty when it gave none
  // "quic", "simple" or "tcp": how the publisher reached the gateway; "broker": delivered by
  // the gateway's own subscription at the broker (a `source: broker` route).
  std::string transport;
  std::string peer;           // the publisher's "ip:port"; for "broker", the broker's address
  std::string connection_id;  // the gateway's id of the connection, hex ("/connections" id)
  std::chrono::system_clock::time_point timestamp;  // when the gateway had the whole message
};

}  // namespace mqttd
