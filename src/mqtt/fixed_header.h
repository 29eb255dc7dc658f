// FixedHeader: the first 2..5 bytes of every MQTT packet (type, flags, remaining length).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"

namespace mqttd::mqtt {

// Upper bound of the total packet size, header included (1 + 4 + 268,435,455).
inline constexpr uint32_t kMaxPacketSizeLimit = 268'435'460;

struct FixedHeader {
  PacketType type = PacketType::kPingreq;
  uint8_t flags = 0;              // low nibble of byte 1; validated for `type`
  uint32_t remaining_length = 0;  // bytes after the fixed header, 0..268,435,455
  uint8_t size = 2;               // bytes of the fixed header itself, 2..5

  // Total packet size on the wire.
  uint32_t packetSize() const { return size + remaining_length; }
};

// Decodes the fixed header at the start of `prefix`; callers feed a growing prefix.
// ok(nullopt): more bytes are needed. Errors: type 0, wrong flags [MQTT-2.1.3-1], PUBLISH
// QoS 3 [MQTT-3.3.1-4], a fifth length byte, and size + remaining length > max_packet_size
// (kPacketTooLarge; pass kMaxPacketSizeLimit for "no limit").
[[nodiscard]] Result<std::optional<FixedHeader>, CodecError> decodeFixedHeader(
    std::span<const uint8_t> prefix, uint32_t max_packet_size);

// Checks `flags` against the rules for `type` [MQTT-2.1.3-1].
[[nodiscard]] Result<void, CodecError> validateFlags(PacketType type, uint8_t flags);

// The flags a packet of `type` must carry (0b0010 for PUBREL/SUBSCRIBE/UNSUBSCRIBE, else 0).
uint8_t requiredFlags(PacketType type);

// Appends byte 1 and the remaining length; `remaining_length` must be <= kMaxVarInt.
void encodeFixedHeader(PacketType type, uint8_t flags, uint32_t remaining_length,
                       std::vector<uint8_t>& out);

// Appends fixed header + `body`; kPacketTooLarge when body exceeds kMaxVarInt bytes.
[[nodiscard]] Result<void, CodecError> appendPacket(PacketType type, uint8_t flags,
                                                    std::span<const uint8_t> body,
                                                    std::vector<uint8_t>& out);

}  // namespace mqttd::mqtt
