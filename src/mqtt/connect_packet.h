// ConnectPacket: view of CONNECT (3.1 / 3.1.1 / 5.0 §3.1); strings point into the input.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct Will {
  uint8_t qos = 0;  // 0..2 [MQTT-3.1.2-14]
  bool retain = false;
  Properties properties;             // v5 will properties (§3.1.3.2)
  std::string_view topic;            // will topic (a topic name)
  std::span<const uint8_t> payload;  // will message, 0..65,535 bytes
};

struct ConnectPacket {
  ProtocolVersion version = ProtocolVersion::kV311;
  bool clean_start = true;     // "clean session" before 5.0
  uint16_t keep_alive = 0;     // seconds; 0 disables keepalive
  Properties properties;       // v5 only
  std::string_view client_id;  // may be empty (3.1.1 §3.1.3.1)
  std::optional<Will> will;
  std::optional<std::string_view> username;
  std::optional<std::span<const uint8_t>> password;

  // `body`: the bytes after the fixed header. The version comes from the packet itself.
  [[nodiscard]] static Result<ConnectPacket, CodecError> decode(std::span<const uint8_t> body);
  // Appends the whole packet (fixed header included); on error nothing is appended.
  [[nodiscard]] Result<void, CodecError> encode(std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
