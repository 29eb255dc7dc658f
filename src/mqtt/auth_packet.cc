#include "mqtt/auth_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"

namespace mqttd::mqtt {

Result<AuthPacket, CodecError> AuthPacket::decode(std::span<const uint8_t> body,
                                                  ProtocolVersion version) {
  if (!isV5(version)) return fail(CodecError::kNotInVersion);
  ByteReader reader(body);
  AuthPacket p;
  if (!reader.empty()) {
    MQTTD_TRY_SET(p.reason_code, reader.u8());
    // 5.0 §3.15.2.2.1: with a reason code the property length follows (may be 0).
    MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kAuth));
  }
  if (!reader.empty()) return fail(CodecError::kTrailingBytes);
  return p;
}

Result<void, CodecError> AuthPacket::encode(ProtocolVersion version,
                                            std::vector<uint8_t>& out) const {
  if (!isV5(version)) return fail(CodecError::kNotInVersion);
  MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kAuth));
  std::vector<uint8_t> body;
  if (reason_code != 0 || !properties.empty()) {
    body.push_back(reason_code);
    properties.encode(body);
  }
  return appendPacket(PacketType::kAuth, 0, body, out);
}

}  // namespace mqttd::mqtt
