#include "mqtt/suback_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"

namespace mqttd::mqtt {
namespace {

Result<void, CodecError> validateCodes(std::span<const uint8_t> codes, ProtocolVersion version) {
  if (codes.empty()) return fail(CodecError::kTruncated);  // one code per filter, >= 1
  if (isV5(version)) return {};
  for (uint8_t code : codes) {
    // [MQTT-3.9.3-2]: 3.1.1 allows only 0x00, 0x01, 0x02 and 0x80.
    if (code > 2 && code != 0x80) return fail(CodecError::kInvalidReasonCode);
  }
  return {};
}

}  // namespace

Result<SubackPacket, CodecError> SubackPacket::decode(std::span<const uint8_t> body,
                                                      ProtocolVersion version) {
  ByteReader reader(body);
  SubackPacket p;
  MQTTD_TRY_SET(p.packet_id, reader.u16());
  if (p.packet_id == 0) return fail(CodecError::kZeroPacketId);
  if (isV5(version)) MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kSuback));
  p.reason_codes = reader.rest();
  MQTTD_TRY(validateCodes(p.reason_codes, version));
  return p;
}

Result<void, CodecError> SubackPacket::encode(ProtocolVersion version,
                                              std::vector<uint8_t>& out) const {
  if (packet_id == 0) return fail(CodecError::kZeroPacketId);
  MQTTD_TRY(validateCodes(reason_codes, version));
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u16(packet_id);
  if (isV5(version)) {
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kSuback));
    properties.encode(body);
  }
  w.bytes(reason_codes);
  return appendPacket(PacketType::kSuback, 0, body, out);
}

}  // namespace mqttd::mqtt
