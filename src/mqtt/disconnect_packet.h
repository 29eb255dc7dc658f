// DisconnectPacket: DISCONNECT (3.1.1 §3.14: empty; 5.0 §3.14: optional reason + properties).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct DisconnectPacket {
  uint8_t reason_code = 0;  // 5.0 only; 0x00 (normal) when omitted; see reason_code.h
  Properties properties;    // 5.0 only

  // 5.0 §3.14.2.1: remaining length 0 means reason 0x00; 1 means no properties.
  [[nodiscard]] static Result<DisconnectPacket, CodecError> decode(std::span<const uint8_t> body,
                                                                   ProtocolVersion version);
  // Shortest form: E0 00 for 0x00 without properties (and always before 5.0), E0 01 rc
  // for a reason code without properties.
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
