#include "mqtt/ack_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"

namespace mqttd::mqtt {

bool AckPacket::isAckType(PacketType type) {
  return type == PacketType::kPuback || type == PacketType::kPubrec ||
         type == PacketType::kPubrel || type == PacketType::kPubcomp;
}

Result<AckPacket, CodecError> AckPacket::decode(const FixedHeader& header,
                                                std::span<const uint8_t> body,
                                                ProtocolVersion version) {
  if (!isAckType(header.type)) return fail(CodecError::kPacketTypeMismatch);
  MQTTD_TRY(validateFlags(header.type, header.flags));
  ByteReader reader(body);
  AckPacket p;
  p.type = header.type;
  MQTTD_TRY_SET(p.packet_id, reader.u16());
  if (p.packet_id == 0) return fail(CodecError::kZeroPacketId);
  if (isV5(version)) {
    if (!reader.empty()) MQTTD_TRY_SET(p.reason_code, reader.u8());
    if (!reader.empty()) MQTTD_TRY_SET(p.properties, Properties::read(reader, p.type));
  }
  if (!reader.empty()) return fail(CodecError::kTrailingBytes);
  return p;
}

Result<void, CodecError> AckPacket::encode(ProtocolVersion version,
                                           std::vector<uint8_t>& out) const {
  if (!isAckType(type)) return fail(CodecError::kPacketTypeMismatch);
  if (packet_id == 0) return fail(CodecError::kZeroPacketId);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u16(packet_id);
  if (isV5(version)) {
    MQTTD_TRY(Properties::parse(properties.raw(), type));
    if (reason_code != 0 || !properties.empty()) w.u8(reason_code);
    if (!properties.empty()) properties.encode(body);
  }
  return appendPacket(type, requiredFlags(type), body, out);
}

}  // namespace mqttd::mqtt
