// PingPacket: PINGREQ or PINGRESP (§3.12, §3.13): a fixed header with remaining length 0.
#pragma once

#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"

namespace mqttd::mqtt {

struct PingPacket {
  PacketType type = PacketType::kPingreq;  // kPingreq or kPingresp

  [[nodiscard]] static Result<PingPacket, CodecError> decode(const FixedHeader& header,
                                                             std::span<const uint8_t> body);
  // Appends C0 00 (PINGREQ) or D0 00 (PINGRESP).
  [[nodiscard]] Result<void, CodecError> encode(std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
