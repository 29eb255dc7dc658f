#include "mqtt/subscribe_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"
#include "mqtt/topic.h"

namespace mqttd::mqtt {
namespace {

bool isShared(std::string_view filter) {
  return filter.substr(0, 7) == "$share/";
}

Result<void, CodecError> validate(const Subscription& s, ProtocolVersion version) {
  if (!isValidTopicFilter(s.filter)) return fail(CodecError::kInvalidTopicFilter);
  if (s.qos > 2) return fail(CodecError::kInvalidQos);  // [MQTT-3-8.3-4] / 5.0 §3.8.3.1
  if (!isV5(version)) return {};
  if (s.retain_handling > 2) return fail(CodecError::kInvalidOptions);
  // 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
  if (s.no_local && isShared(s.filter)) return fail(CodecError::kInvalidOptions);
  return {};
}

}  // namespace

uint8_t Subscription::optionsByte(ProtocolVersion version) const {
  uint8_t options = qos & 0x03;
  if (!isV5(version)) return options;
  if (no_local) options |= 0x04;
  if (retain_as_published) options |= 0x08;
  options |= uint8_t((retain_handling & 0x03) << 4);
  return options;
}

Result<SubscribePacket, CodecError> SubscribePacket::decode(std::span<const uint8_t> body,
                                                            ProtocolVersion version) {
  ByteReader reader(body);
  SubscribePacket p;
  MQTTD_TRY_SET(p.packet_id, reader.u16());
  if (p.packet_id == 0) return fail(CodecError::kZeroPacketId);
  const bool v5 = isV5(version);
  if (v5) MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kSubscribe));
  if (reader.empty()) return fail(CodecError::kNoTopicFilters);  // [MQTT-3.8.3-3]
  while (!reader.empty()) {
    Subscription s;
    MQTTD_TRY_SET(s.filter, reader.utf8());
    MQTTD_TRY_ASSIGN(const uint8_t options, reader.u8());
    // 3.1.1 [MQTT-3-8.3-4]: bits 7..2 reserved; 5.0 [MQTT-3.8.3-5]: bits 7..6 reserved.
    if (options & (v5 ? 0xC0 : 0xFC)) return fail(CodecError::kInvalidOptions);
    s.qos = options & 0x03;
    if (v5) {
      s.no_local = options & 0x04;
      s.retain_as_published = options & 0x08;
      s.retain_handling = (options >> 4) & 0x03;
    }
    MQTTD_TRY(validate(s, version));
    p.subscriptions.push_back(s);
  }
  return p;
}

Result<void, CodecError> SubscribePacket::encode(ProtocolVersion version,
                                                 std::vector<uint8_t>& out) const {
  if (packet_id == 0) return fail(CodecError::kZeroPacketId);
  if (subscriptions.empty()) return fail(CodecError::kNoTopicFilters);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u16(packet_id);
  if (isV5(version)) {
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kSubscribe));
    properties.encode(body);
  }
  for (const Subscription& s : subscriptions) {
    MQTTD_TRY(validate(s, version));
    MQTTD_TRY(w.utf8(s.filter));
    w.u8(s.optionsByte(version));
  }
  return appendPacket(PacketType::kSubscribe, requiredFlags(PacketType::kSubscribe), body, out);
}

}  // namespace mqttd::mqtt
