// SubscribePacket: view of SUBSCRIBE (3.1.1 §3.8, 5.0 §3.8); filters point into the input.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct Subscription {
  std::string_view filter;           // a valid topic filter
  uint8_t qos = 0;                   // maximum QoS 0..2
  bool no_local = false;             // 5.0 only
  bool retain_as_published = false;  // 5.0 only
  uint8_t retain_handling = 0;       // 5.0 only, 0..2

  // Subscription options byte (5.0 §3.8.3.1; before 5.0 only the QoS bits).
  uint8_t optionsByte(ProtocolVersion version) const;
};

struct SubscribePacket {
  uint16_t packet_id = 0;                   // non-zero [MQTT-2.3.1-1]
  Properties properties;                    // 5.0 only
  std::vector<Subscription> subscriptions;  // at least one [MQTT-3.8.3-3]

  [[nodiscard]] static Result<SubscribePacket, CodecError> decode(std::span<const uint8_t> body,
                                                                  ProtocolVersion version);
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
