// UnsubackPacket: view of UNSUBACK (3.1.1 §3.11: packet id only; 5.0 §3.11: + codes).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct UnsubackPacket {
  uint16_t packet_id = 0;                 // non-zero [MQTT-2.3.1-1]
  Properties properties;                  // 5.0 only
  std::span<const uint8_t> reason_codes;  // 5.0 only: one per filter, at least one

  [[nodiscard]] static Result<UnsubackPacket, CodecError> decode(std::span<const uint8_t> body,
                                                                 ProtocolVersion version);
  // Before 5.0, properties and reason codes are dropped.
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
