#include "mqtt/unsuback_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"

namespace mqttd::mqtt {

Result<UnsubackPacket, CodecError> UnsubackPacket::decode(std::span<const uint8_t> body,
                                                          ProtocolVersion version) {
  ByteReader reader(body);
  UnsubackPacket p;
  MQTTD_TRY_SET(p.packet_id, reader.u16());
  if (p.packet_id == 0) return fail(CodecError::kZeroPacketId);
  if (isV5(version)) {
    MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kUnsuback));
    p.reason_codes = reader.rest();
    if (p.reason_codes.empty()) return fail(CodecError::kTruncated);  // 5.0 §3.11.3
  }
  if (!reader.empty()) return fail(CodecError::kTrailingBytes);
  return p;
}

Result<void, CodecError> UnsubackPacket::encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const {
  if (packet_id == 0) return fail(CodecError::kZeroPacketId);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u16(packet_id);
  if (isV5(version)) {
    if (reason_codes.empty()) return fail(CodecError::kTruncated);
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kUnsuback));
    properties.encode(body);
    w.bytes(reason_codes);
  }
  return appendPacket(PacketType::kUnsuback, 0, body, out);
}

}  // namespace mqttd::mqtt
