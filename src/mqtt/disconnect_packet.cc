#include "mqtt/disconnect_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"

namespace mqttd::mqtt {

Result<DisconnectPacket, CodecError> DisconnectPacket::decode(std::span<const uint8_t> body,
                                                              ProtocolVersion version) {
  ByteReader reader(body);
  DisconnectPacket p;
  if (isV5(version)) {
    if (!reader.empty()) MQTTD_TRY_SET(p.reason_code, reader.u8());
    if (!reader.empty()) {
      MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kDisconnect));
    }
  }
  // 3.1.1 §3.14: DISCONNECT has no variable header and no payload.
  if (!reader.empty()) return fail(CodecError::kTrailingBytes);
  return p;
}

Result<void, CodecError> DisconnectPacket::encode(ProtocolVersion version,
                                                  std::vector<uint8_t>& out) const {
  std::vector<uint8_t> body;
  if (isV5(version)) {
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kDisconnect));
    if (reason_code != 0 || !properties.empty()) body.push_back(reason_code);
    if (!properties.empty()) properties.encode(body);
  }
  return appendPacket(PacketType::kDisconnect, 0, body, out);
}

}  // namespace mqttd::mqtt
