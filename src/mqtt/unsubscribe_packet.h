// UnsubscribePacket: view of UNSUBSCRIBE (3.1.1 §3.10, 5.0 §3.10).
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

struct UnsubscribePacket {
  uint16_t packet_id = 0;                 // non-zero [MQTT-2.3.1-1]
  Properties properties;                  // 5.0 only
  std::vector<std::string_view> filters;  // at least one [MQTT-3.10.3-2]

  [[nodiscard]] static Result<UnsubscribePacket, CodecError> decode(std::span<const uint8_t> body,
                                                                    ProtocolVersion version);
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
