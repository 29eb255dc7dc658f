#include "mqtt/unsubscribe_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"
#include "mqtt/topic.h"

namespace mqttd::mqtt {

Result<UnsubscribePacket, CodecError> UnsubscribePacket::decode(std::span<const uint8_t> body,
                                                                ProtocolVersion version) {
  ByteReader reader(body);
  UnsubscribePacket p;
  MQTTD_TRY_SET(p.packet_id, reader.u16());
  if (p.packet_id == 0) return fail(CodecError::kZeroPacketId);
  if (isV5(version)) {
    MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kUnsubscribe));
  }
  if (reader.empty()) return fail(CodecError::kNoTopicFilters);  // [MQTT-3.10.3-2]
  while (!reader.empty()) {
    MQTTD_TRY_ASSIGN(const std::string_view filter, reader.utf8());
    if (!isValidTopicFilter(filter)) return fail(CodecError::kInvalidTopicFilter);
    p.filters.push_back(filter);
  }
  return p;
}

Result<void, CodecError> UnsubscribePacket::encode(ProtocolVersion version,
                                                   std::vector<uint8_t>& out) const {
  if (packet_id == 0) return fail(CodecError::kZeroPacketId);
  if (filters.empty()) return fail(CodecError::kNoTopicFilters);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u16(packet_id);
  if (isV5(version)) {
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kUnsubscribe));
    properties.encode(body);
  }
  for (std::string_view filter : filters) {
    if (!isValidTopicFilter(filter)) return fail(CodecError::kInvalidTopicFilter);
    MQTTD_TRY(w.utf8(filter));
  }
  return appendPacket(PacketType::kUnsubscribe, requiredFlags(PacketType::kUnsubscribe), body, out);
}

}  // namespace mqttd::mqtt
