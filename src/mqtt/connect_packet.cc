#include "mqtt/connect_packet.h"

#include "mqtt/byte_reader.h"
#include "mqtt/byte_writer.h"
#include "mqtt/codec_try.h"
#include "mqtt/fixed_header.h"
#include "mqtt/topic.h"

namespace mqttd::mqtt {
namespace {

// CONNECT flags byte, §3.1.2.3.
constexpr uint8_t kReserved = 0x01;
constexpr uint8_t kCleanStart = 0x02;
constexpr uint8_t kWillFlag = 0x04;
constexpr uint8_t kWillQosShift = 3;
constexpr uint8_t kWillRetain = 0x20;
constexpr uint8_t kPasswordFlag = 0x40;
constexpr uint8_t kUsernameFlag = 0x80;

std::string_view protocolName(ProtocolVersion version) {
  return version == ProtocolVersion::kV31 ? "MQIsdp" : "MQTT";
}

bool knownVersion(uint8_t level) {
  return level >= 3 && level <= 5;
}

}  // namespace

Result<ConnectPacket, CodecError> ConnectPacket::decode(std::span<const uint8_t> body) {
  ByteReader reader(body);
  ConnectPacket p;
  MQTTD_TRY_ASSIGN(const std::string_view name, reader.utf8());
  if (name != "MQTT" && name != "MQIsdp") return fail(CodecError::kInvalidProtocolName);
  MQTTD_TRY_ASSIGN(const uint8_t level, reader.u8());
  if (!knownVersion(level)) return fail(CodecError::kUnsupportedVersion);
  p.version = static_cast<ProtocolVersion>(level);
  // [MQTT-3.1.2-1]: "MQIsdp" goes with level 3, "MQTT" with 4 and 5.
  if (name != protocolName(p.version)) return fail(CodecError::kUnsupportedVersion);
  const bool v5 = isV5(p.version);

  MQTTD_TRY_ASSIGN(const uint8_t flags, reader.u8());
  if (flags & kReserved) return fail(CodecError::kReservedFlagSet);  // [MQTT-3.1.2-3]
  p.clean_start = flags & kCleanStart;
  const bool has_will = flags & kWillFlag;
  const uint8_t will_qos = (flags >> kWillQosShift) & 0x03;
  const bool will_retain = flags & kWillRetain;
  if (will_qos == 3) return fail(CodecError::kInvalidQos);  // [MQTT-3.1.2-14]
  // [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15]: no will -> will QoS 0 and retain 0.
  if (!has_will && (will_qos != 0 || will_retain)) return fail(CodecError::kInvalidWillFlags);
  const bool has_username = flags & kUsernameFlag;
  const bool has_password = flags & kPasswordFlag;
  // [MQTT-3.1.2-22]: before 5.0 a password needs a username.
  if (!v5 && has_password && !has_username) return fail(CodecError::kInvalidCredentialFlags);
  MQTTD_TRY_SET(p.keep_alive, reader.u16());
  if (v5) MQTTD_TRY_SET(p.properties, Properties::read(reader, PacketType::kConnect));

  MQTTD_TRY_SET(p.client_id, reader.utf8());
  if (has_will) {
    Will will;
    will.qos = will_qos;
    will.retain = will_retain;
    if (v5) MQTTD_TRY_SET(will.properties, Properties::readWill(reader));
    MQTTD_TRY_SET(will.topic, reader.utf8());
    if (!isValidTopicName(will.topic)) return fail(CodecError::kInvalidTopicName);
    MQTTD_TRY_SET(will.payload, reader.binary());
    p.will = will;
  }
  if (has_username) MQTTD_TRY_SET(p.username, reader.utf8());
  if (has_password) MQTTD_TRY_SET(p.password, reader.binary());
  if (!reader.empty()) return fail(CodecError::kTrailingBytes);
  return p;
}

Result<void, CodecError> ConnectPacket::encode(std::vector<uint8_t>& out) const {
  const bool v5 = isV5(version);
  if (!v5 && password && !username) return fail(CodecError::kInvalidCredentialFlags);
  if (will && will->qos > 2) return fail(CodecError::kInvalidQos);
  if (will && !isValidTopicName(will->topic)) return fail(CodecError::kInvalidTopicName);
  if (v5) {
    MQTTD_TRY(Properties::parse(properties.raw(), PacketType::kConnect));
    if (will) MQTTD_TRY(Properties::parseWill(will->properties.raw()));
  }

  // Body built separately: CONNECT carries no bulk payload worth streaming.
  std::vector<uint8_t> body;
  ByteWriter w(body);
  MQTTD_TRY(w.utf8(protocolName(version)));
  w.u8(static_cast<uint8_t>(version));
  uint8_t flags = clean_start ? kCleanStart : 0;
  if (will) {
    flags |= kWillFlag | uint8_t(will->qos << kWillQosShift);
    if (will->retain) flags |= kWillRetain;
  }
  if (username) flags |= kUsernameFlag;
  if (password) flags |= kPasswordFlag;
  w.u8(flags);
  w.u16(keep_alive);
  if (v5) properties.encode(body);
  MQTTD_TRY(w.utf8(client_id));
  if (will) {
    if (v5) will->properties.encode(body);
    MQTTD_TRY(w.utf8(will->topic));
    MQTTD_TRY(w.binary(will->payload));
  }
  if (username) MQTTD_TRY(w.utf8(*username));
  if (password) MQTTD_TRY(w.binary(*password));
  return appendPacket(PacketType::kConnect, 0, body, out);
}

}  // namespace mqttd::mqtt
