#include "mqtt/fixed_header.h"

#include "mqtt/var_int.h"

namespace mqttd::mqtt {

uint8_t requiredFlags(PacketType type) {
  switch (type) {
    case PacketType::kPubrel:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe: return 0b0010;
    default: return 0;
  }
}

Result<void, CodecError> validateFlags(PacketType type, uint8_t flags) {
  if (type == PacketType::kPublish) {
    // [MQTT-3.3.1-4]: a PUBLISH with both QoS bits set is malformed.
    if (((flags >> 1) & 0x03) == 3) return fail(CodecError::kInvalidQos);
    return {};
  }
  if (flags != requiredFlags(type)) return fail(CodecError::kInvalidFlags);
  return {};
}

Result<std::optional<FixedHeader>, CodecError> decodeFixedHeader(std::span<const uint8_t> prefix,
                                                                 uint32_t max_packet_size) {
  if (prefix.empty()) return std::optional<FixedHeader>();
  const uint8_t type = prefix[0] >> 4;
  const uint8_t flags = prefix[0] & 0x0F;
  if (type == 0) return fail(CodecError::kReservedPacketType);
  const auto packet_type = static_cast<PacketType>(type);
  if (auto valid = validateFlags(packet_type, flags); !valid) return fail(valid.error());

  auto length = decodeVarInt(prefix.subspan(1));
  if (!length) return fail(length.error());
  if (!length->has_value()) return std::optional<FixedHeader>();
  FixedHeader header;
  header.type = packet_type;
  header.flags = flags;
  header.remaining_length = (*length)->value;
  header.size = uint8_t(1 + (*length)->size);
  if (header.packetSize() > max_packet_size) return fail(CodecError::kPacketTooLarge);
  return std::optional<FixedHeader>(header);
}

void encodeFixedHeader(PacketType type, uint8_t flags, uint32_t remaining_length,
                       std::vector<uint8_t>& out) {
  out.push_back(uint8_t((static_cast<uint8_t>(type) << 4) | (flags & 0x0F)));
  encodeVarInt(remaining_length, out);
}

Result<void, CodecError> appendPacket(PacketType type, uint8_t flags, std::span<const uint8_t> body,
                                      std::vector<uint8_t>& out) {
  if (body.size() > kMaxVarInt) return fail(CodecError::kPacketTooLarge);
  encodeFixedHeader(type, flags, uint32_t(body.size()), out);
  out.insert(out.end(), body.begin(), body.end());
  return {};
}

}  // namespace mqttd::mqtt
