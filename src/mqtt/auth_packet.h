// AuthPacket: AUTH (5.0 §3.15 only): optional reason code + properties.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct AuthPacket {
  uint8_t reason_code = 0;  // 0x00 success, 0x18 continue, 0x19 re-authenticate
  Properties properties;    // authentication method/data, reason string, user properties

  // kNotInVersion before 5.0. Remaining length 0 means reason 0x00, no properties.
  [[nodiscard]] static Result<AuthPacket, CodecError> decode(std::span<const uint8_t> body,
                                                             ProtocolVersion version);
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
