// SubackPacket: view of SUBACK (3.1.1 §3.9, 5.0 §3.9); codes point into the input.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct SubackPacket {
  uint16_t packet_id = 0;                 // non-zero [MQTT-2.3.1-1]
  Properties properties;                  // 5.0 only
  std::span<const uint8_t> reason_codes;  // one per filter; 3.1.1: 0, 1, 2 or 0x80

  [[nodiscard]] static Result<SubackPacket, CodecError> decode(std::span<const uint8_t> body,
                                                               ProtocolVersion version);
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
