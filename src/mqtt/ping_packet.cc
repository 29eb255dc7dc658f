#include "mqtt/ping_packet.h"

namespace mqttd::mqtt {
namespace {
bool isPing(PacketType type) {
  return type == PacketType::kPingreq || type == PacketType::kPingresp;
}
}  // namespace

Result<PingPacket, CodecError> PingPacket::decode(const FixedHeader& header,
                                                  std::span<const uint8_t> body) {
  if (!isPing(header.type)) return fail(CodecError::kPacketTypeMismatch);
  if (header.flags != 0) return fail(CodecError::kInvalidFlags);  // [MQTT-2.1.3-1]
  if (header.remaining_length != 0 || !body.empty()) return fail(CodecError::kTrailingBytes);
  return PingPacket{header.type};
}

Result<void, CodecError> PingPacket::encode(std::vector<uint8_t>& out) const {
  if (!isPing(type)) return fail(CodecError::kPacketTypeMismatch);
  encodeFixedHeader(type, 0, 0, out);
  return {};
}

}  // namespace mqttd::mqtt
