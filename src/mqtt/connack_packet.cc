#include "mqtt/connack_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"

namespace mqttd::mqtt {
namespace {

Result<void, CodecError> validate(const ConnackPacket& p, ProtocolVersion version) {
  // 3.1.1 §3.2.2.3: return codes 6..255 are reserved.
  if (!isV5(version) && p.reason_code > 5) return fail(CodecError::kInvalidReasonCode);
  // [MQTT-3.2.2-4] (5.0: [MQTT-3.2.2-6]): session present only with success.
  if (p.session_present && p.reason_code != 0) return fail(CodecError::kInvalidFlags);
  return {};
}

}  // namespace

Result<ConnackPacket, CodecError> ConnackPacket::decode(std::span<const uint8_t> body,
                                                        ProtocolVersion version) {
  ByteReader reader(body);
  ConnackPacket p;
  MQTTD_TRY_ASSIGN(const uint8_t flags, reader.u8());
  // [MQTT-3.2.2-1]: bits 7..1 of the acknowledge flags are reserved (0).
  if (flags & 0xFE) return fail(CodecError::kReservedFlagSet);
  p.session_present = flags & 0x01;
  MQTTD_TRY_SET(p.reason_code, reader.u8());
  if (isV5(version)) MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kConnack));
  if (!reader.empty()) return fail(CodecError::kTrailingBytes);
  MQTTD_TRY(validate(p, version));
  return p;
}

Result<void, CodecError> ConnackPacket::encode(ProtocolVersion version,
                                               std::vector<uint8_t>& out) const {
  MQTTD_TRY(validate(*this, version));
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u8(session_present ? 1 : 0);
  w.u8(reason_code);
  if (isV5(version)) {
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kConnack));
    properties.encode(body);
  }
  return appendPacket(PacketType::kConnack, 0, body, out);
}

}  // namespace mqttd::mqtt
