// ConnackPacket: view of CONNACK (3.1.1 §3.2, 5.0 §3.2).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

// 3.1.1 return codes (§3.2.2.3); 5.0 uses reason codes (§3.2.2.2, see reason_code.h).
inline constexpr uint8_t kConnackV311ServerUnavailable = 0x03;

struct ConnackPacket {
  bool session_present = false;  // must be 0 with a non-zero code [MQTT-3.2.2-4]
  uint8_t reason_code = 0;       // 3.1.1: return code 0..5; 5.0: reason code
  Properties properties;         // v5 only

  [[nodiscard]] static Result<ConnackPacket, CodecError> decode(std::span<const uint8_t> body,
                                                                ProtocolVersion version);
  // Appends the whole packet; properties are dropped before 5.0.
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
