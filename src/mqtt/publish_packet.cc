#include "mqtt/publish_packet.h"

#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/publish_header.h"
#include "mqtt/topic.h"
#include "mqtt/utf8.h"
#include "mqtt/var_int.h"

namespace mqttd::mqtt {

Result<PublishPacket, CodecError> PublishPacket::decode(const FixedHeader& header,
                                                        std::span<const uint8_t> body,
                                                        ProtocolVersion version) {
  if (body.size() != header.remaining_length) return fail(CodecError::kLengthMismatch);
  MQTTD_TRY_ASSIGN(const std::optional<PublishHeader> h,
                   decodePublishHeader(header, body, version));
  if (!h) return fail(CodecError::kTruncated);  // unreachable with a whole body
  PublishPacket p;
  p.topic = h->topic;
  p.qos = h->qos;
  p.retain = h->retain;
  p.dup = h->dup;
  p.packet_id = h->packet_id;
  p.properties = h->properties;
  p.payload = body.subspan(h->header_length);
  return p;
}

Result<void, CodecError> PublishPacket::encode(ProtocolVersion version,
                                               std::vector<uint8_t>& out) const {
  const bool v5 = isV5(version);
  if (qos > 2) return fail(CodecError::kInvalidQos);
  if (qos == 0 && dup) return fail(CodecError::kInvalidFlags);            // [MQTT-3.3.1-2]
  if (qos > 0 && packet_id == 0) return fail(CodecError::kZeroPacketId);  // [MQTT-2.3.1-1]
  if (v5) MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kPublish));
  if (topic.empty()) {
    if (!v5 || !properties.topicAlias()) return fail(CodecError::kInvalidTopicName);
  } else if (!isValidTopicName(topic)) {
    return fail(CodecError::kInvalidTopicName);
  }

  const size_t remaining = prefixedSize(topic.size()) + (qos > 0 ? 2 : 0) +
                           (v5 ? properties.encodedSize() : 0) + payload.size();
  if (remaining > kMaxVarInt) return fail(CodecError::kPacketTooLarge);
  uint8_t flags = uint8_t(qos << 1);
  if (retain) flags |= 0x01;
  if (dup) flags |= 0x08;
  out.reserve(out.size() + 5 + remaining);
  encodeFixedHeader(PacketType::kPublish, flags, uint32_t(remaining), out);
  ByteWriter w(out);
  w.u16(uint16_t(topic.size()));
  w.bytes(asBytes(topic));
  if (qos > 0) w.u16(packet_id);
  if (v5) properties.encode(out);
  w.bytes(payload);
  return {};
}

}  // namespace mqttd::mqtt
