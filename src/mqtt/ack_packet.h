// AckPacket: PUBACK, PUBREC, PUBREL and PUBCOMP (3.1.1 §3.4-3.7, 5.0 §3.4-3.7).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct AckPacket {
  PacketType type = PacketType::kPuback;  // kPuback, kPubrec, kPubrel or kPubcomp
  uint16_t packet_id = 0;                 // non-zero [MQTT-2.3.1-1]
  uint8_t reason_code = 0;                // 5.0 only; 0x00 when the packet omits it
  Properties properties;                  // 5.0 only

  static bool isAckType(PacketType type);

  // 5.0 §3.4.2.1: remaining length 2 means reason 0x00 and no properties; 3 means no
  // properties. Before 5.0 the body is exactly the packet identifier.
  [[nodiscard]] static Result<AckPacket, CodecError> decode(const FixedHeader& header,
                                                            std::span<const uint8_t> body,
                                                            ProtocolVersion version);
  // Appends the shortest form: 2 bytes for success without properties, 3 with a reason code.
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
