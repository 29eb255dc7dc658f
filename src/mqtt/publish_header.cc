#include "mqtt/publish_header.h"

#include "mqtt/byte_reader.h"
#include "mqtt/topic.h"
#include "mqtt/utf8.h"
#include "mqtt/var_int.h"

namespace mqttd::mqtt {
namespace {

// Reads a prefix of a body of known total length, telling "need more" from "too long".
class PrefixCursor {
 public:
  PrefixCursor(std::span<const uint8_t> prefix, uint32_t total)
      : prefix_(prefix.size() > total ? prefix.first(total) : prefix), total_(total) {}

  // ok(true): `n` bytes are available; ok(false): need more; error: past the packet end.
  Result<bool, CodecError> have(size_t n) const {
    if (n > total_ - offset_) return fail(CodecError::kTruncated);
    return n <= prefix_.size() - offset_;
  }
  std::span<const uint8_t> take(size_t n) {
    auto out = prefix_.subspan(offset_, n);
    offset_ += n;
    return out;
  }
  size_t offset() const { return offset_; }

 private:
  std::span<const uint8_t> prefix_;
  uint32_t total_;     // remaining length of the packet
  size_t offset_ = 0;  // bytes consumed, <= prefix_.size()
};

using MaybeHeader = std::optional<PublishHeader>;

}  // namespace

Result<void, CodecError> applyPublishFlags(uint8_t flags, PublishHeader& out) {
  out.retain = flags & 0x01;
  out.qos = (flags >> 1) & 0x03;
  out.dup = flags & 0x08;
  if (out.qos == 3) return fail(CodecError::kInvalidQos);               // [MQTT-3.3.1-4]
  if (out.qos == 0 && out.dup) return fail(CodecError::kInvalidFlags);  // [MQTT-3.3.1-2]
  return {};
}

Result<std::optional<PublishHeader>, CodecError> decodePublishHeader(
    const FixedHeader& header, std::span<const uint8_t> body_prefix, ProtocolVersion version) {
  if (header.type != PacketType::kPublish) return fail(CodecError::kPacketTypeMismatch);
  PublishHeader p;
  if (auto flags = applyPublishFlags(header.flags, p); !flags) return fail(flags.error());
  PrefixCursor cursor(body_prefix, header.remaining_length);

#define MQTTD_HAVE(n)                     \
  do {                                    \
    auto have = cursor.have(n);           \
    if (!have) return fail(have.error()); \
    if (!*have) return MaybeHeader();     \
  } while (0)

  MQTTD_HAVE(2);
  auto length_bytes = cursor.take(2);
  const size_t topic_length = size_t(length_bytes[0]) << 8 | length_bytes[1];
  MQTTD_HAVE(topic_length);
  p.topic = asText(cursor.take(topic_length));
  if (auto valid = validateMqttUtf8(p.topic); !valid) return fail(valid.error());
  // 5.0 §3.3.2.1: an empty topic name is allowed with a topic alias (checked below).
  const bool may_be_empty = isV5(version) && p.topic.empty();
  if (!may_be_empty && !isValidTopicName(p.topic)) return fail(CodecError::kInvalidTopicName);

  if (p.qos > 0) {
    MQTTD_HAVE(2);
    auto id = cursor.take(2);
    p.packet_id = uint16_t(id[0] << 8 | id[1]);
    if (p.packet_id == 0) return fail(CodecError::kZeroPacketId);  // [MQTT-2.3.1-1]
  }

  if (isV5(version)) {
    uint32_t length = 0;
    uint32_t multiplier = 1;
    for (int i = 0;; ++i) {
      if (i == 4) return fail(CodecError::kVarIntTooLong);
      MQTTD_HAVE(1);
      const uint8_t byte = cursor.take(1)[0];
      length += (byte & 0x7F) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) == 0) break;
    }
    MQTTD_HAVE(length);
    auto props = Properties::parse(cursor.take(length), PacketType::kPublish);
    if (!props) return fail(props.error());
    p.properties = *props;
    // 5.0 §3.3.2.1: an empty topic without a topic alias is a Protocol Error.
    if (may_be_empty && !p.properties.topicAlias()) return fail(CodecError::kInvalidTopicName);
  }
#undef MQTTD_HAVE

  p.header_length = uint32_t(cursor.offset());
  p.payload_length = header.remaining_length - p.header_length;
  return MaybeHeader(p);
}

}  // namespace mqttd::mqtt
