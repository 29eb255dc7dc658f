#include "mqtt/properties.h"

#include <array>

#include "mqtt/codec_try.h"
#include "mqtt/topic.h"
#include "mqtt/var_int.h"

namespace mqttd::mqtt {
namespace {

enum class ValueType : uint8_t {
  kNone,
  kByte,
  kTwoByte,
  kFourByte,
  kVarInt,
  kUtf8,
  kBinary,
  kPair
};

// Bit n set: allowed in packet type n; bit 0: allowed in CONNECT will properties.
constexpr uint32_t bit(PacketType type) {
  return 1u << static_cast<uint8_t>(type);
}
constexpr uint32_t kWill = 1u;
constexpr uint32_t kAcks = bit(PacketType::kPuback) | bit(PacketType::kPubrec) |
                           bit(PacketType::kPubrel) | bit(PacketType::kPubcomp);
constexpr uint32_t kAll = 0xFFFEu | kWill;

struct Rule {
  ValueType type = ValueType::kNone;
  uint32_t allowed = 0;   // bit set, see bit()
  bool boolean = false;   // value must be 0 or 1
  bool non_zero = false;  // value 0 is a Protocol Error
};

constexpr std::array<Rule, 0x2B> makeRules() {
  std::array<Rule, 0x2B> r{};
  const uint32_t publish = bit(PacketType::kPublish) | kWill;
  const uint32_t connack = bit(PacketType::kConnack);
  const uint32_t connect = bit(PacketType::kConnect);
  r[0x01] = {ValueType::kByte, publish, true, false};
  r[0x02] = {ValueType::kFourByte, publish, false, false};
  r[0x03] = {ValueType::kUtf8, publish, false, false};
  r[0x08] = {ValueType::kUtf8, publish, false, false};
  r[0x09] = {ValueType::kBinary, publish, false, false};
  r[0x0B] = {ValueType::kVarInt, bit(PacketType::kPublish) | bit(PacketType::kSubscribe), false,
             true};
  r[0x11] = {ValueType::kFourByte, connect | connack | bit(PacketType::kDisconnect), false, false};
  r[0x12] = {ValueType::kUtf8, connack, false, false};
  r[0x13] = {ValueType::kTwoByte, connack, false, false};
  r[0x15] = {ValueType::kUtf8, connect | connack | bit(PacketType::kAuth), false, false};
  r[0x16] = {ValueType::kBinary, connect | connack | bit(PacketType::kAuth), false, false};
  r[0x17] = {ValueType::kByte, connect, true, false};
  r[0x18] = {ValueType::kFourByte, kWill, false, false};
  r[0x19] = {ValueType::kByte, connect, true, false};
  r[0x1A] = {ValueType::kUtf8, connack, false, false};
  r[0x1C] = {ValueType::kUtf8, connack | bit(PacketType::kDisconnect), false, false};
  r[0x1F] = {ValueType::kUtf8,
             connack | kAcks | bit(PacketType::kSuback) | bit(PacketType::kUnsuback) |
                 bit(PacketType::kDisconnect) | bit(PacketType::kAuth),
             false, false};
  r[0x21] = {ValueType::kTwoByte, connect | connack, false, true};
  r[0x22] = {ValueType::kTwoByte, connect | connack, false, false};
  r[0x23] = {ValueType::kTwoByte, bit(PacketType::kPublish), false, true};
  r[0x24] = {ValueType::kByte, connack, true, false};
  r[0x25] = {ValueType::kByte, connack, true, false};
  r[0x26] = {ValueType::kPair, kAll, false, false};
  r[0x27] = {ValueType::kFourByte, connect | connack, false, true};
  r[0x28] = {ValueType::kByte, connack, true, false};
  r[0x29] = {ValueType::kByte, connack, true, false};
  r[0x2A] = {ValueType::kByte, connack, true, false};
  return r;
}

constexpr std::array<Rule, 0x2B> kRules = makeRules();

const Rule* ruleFor(uint32_t id) {
  if (id >= kRules.size() || kRules[id].type == ValueType::kNone) return nullptr;
  return &kRules[id];
}

// Reads one property (id + value) with type and range checks.
Result<Property, CodecError> readProperty(ByteReader& reader) {
  // §2.2.2.2: the identifier is a variable byte integer (all defined ids fit in one byte).
  MQTTD_TRY_ASSIGN(const uint32_t id, reader.varInt());
  const Rule* rule = ruleFor(id);
  if (rule == nullptr) return fail(CodecError::kInvalidPropertyId);
  Property p;
  p.id = static_cast<PropertyId>(id);
  switch (rule->type) {
    case ValueType::kByte: {
      MQTTD_TRY_SET(p.integer, reader.u8());
      break;
    }
    case ValueType::kTwoByte: {
      MQTTD_TRY_SET(p.integer, reader.u16());
      break;
    }
    case ValueType::kFourByte: {
      MQTTD_TRY_SET(p.integer, reader.u32());
      break;
    }
    case ValueType::kVarInt: {
      MQTTD_TRY_SET(p.integer, reader.varInt());
      break;
    }
    case ValueType::kUtf8: {
      MQTTD_TRY_SET(p.text, reader.utf8());
      break;
    }
    case ValueType::kBinary: {
      MQTTD_TRY_SET(p.binary, reader.binary());
      break;
    }
    case ValueType::kPair: {
      MQTTD_TRY_SET(p.text, reader.utf8());
      MQTTD_TRY_SET(p.pair_value, reader.utf8());
      break;
    }
    case ValueType::kNone: return fail(CodecError::kInvalidPropertyId);
  }
  if (rule->boolean && p.integer > 1) return fail(CodecError::kInvalidPropertyValue);
  // 5.0 §3.3.2.3.4: alias 0 is answered with 0x94 Topic Alias invalid, so it has its own error.
  if (p.id == PropertyId::kTopicAlias && p.integer == 0) return fail(CodecError::kTopicAliasZero);
  if (rule->non_zero && p.integer == 0) return fail(CodecError::kInvalidPropertyValue);
  // [MQTT-3.3.2-14]: the Response Topic is a topic name, no wildcards.
  if (p.id == PropertyId::kResponseTopic && !isValidTopicName(p.text)) {
    return fail(CodecError::kInvalidPropertyValue);
  }
  return p;
}

Result<Properties, CodecError> validate(std::span<const uint8_t> block, uint32_t context_bit,
                                        bool repeat_subscription_id) {
  std::array<bool, 0x2B> seen{};
  ByteReader reader(block);
  while (!reader.empty()) {
    MQTTD_TRY_ASSIGN(const Property p, readProperty(reader));
    const auto id = static_cast<uint8_t>(p.id);
    if ((kRules[id].allowed & context_bit) == 0) return fail(CodecError::kPropertyNotAllowed);
    const bool repeatable = p.id == PropertyId::kUserProperty ||
                            (p.id == PropertyId::kSubscriptionIdentifier && repeat_subscription_id);
    if (seen[id] && !repeatable) return fail(CodecError::kDuplicateProperty);
    seen[id] = true;
  }
  return Properties::unchecked(block);
}

Result<std::span<const uint8_t>, CodecError> readBlock(ByteReader& reader) {
  MQTTD_TRY_ASSIGN(const uint32_t length, reader.varInt());
  return reader.bytes(length);
}

}  // namespace

std::string_view toString(PropertyId id) {
  switch (id) {
    case PropertyId::kPayloadFormatIndicator: return "payload-format-indicator";
    case PropertyId::kMessageExpiryInterval: return "message-expiry-interval";
    case PropertyId::kContentType: return "content-type";
    case PropertyId::kResponseTopic: return "response-topic";
    case PropertyId::kCorrelationData: return "correlation-data";
    case PropertyId::kSubscriptionIdentifier: return "subscription-identifier";
    case PropertyId::kSessionExpiryInterval: return "session-expiry-interval";
    case PropertyId::kAssignedClientIdentifier: return "assigned-client-identifier";
    case PropertyId::kServerKeepAlive: return "server-keep-alive";
    case PropertyId::kAuthenticationMethod: return "authentication-method";
    case PropertyId::kAuthenticationData: return "authentication-data";
    case PropertyId::kRequestProblemInformation: return "request-problem-information";
    case PropertyId::kWillDelayInterval: return "will-delay-interval";
    case PropertyId::kRequestResponseInformation: return "request-response-information";
    case PropertyId::kResponseInformation: return "response-information";
    case PropertyId::kServerReference: return "server-reference";
    case PropertyId::kReasonString: return "reason-string";
    case PropertyId::kReceiveMaximum: return "receive-maximum";
    case PropertyId::kTopicAliasMaximum: return "topic-alias-maximum";
    case PropertyId::kTopicAlias: return "topic-alias";
    case PropertyId::kMaximumQos: return "maximum-qos";
    case PropertyId::kRetainAvailable: return "retain-available";
    case PropertyId::kUserProperty: return "user-property";
    case PropertyId::kMaximumPacketSize: return "maximum-packet-size";
    case PropertyId::kWildcardSubscriptionAvailable: return "wildcard-subscription-available";
    case PropertyId::kSubscriptionIdentifierAvailable: return "subscription-identifier-available";
    case PropertyId::kSharedSubscriptionAvailable: return "shared-subscription-available";
  }
  return "unknown";
}

Result<Properties, CodecError> Properties::parse(std::span<const uint8_t> block, PacketType type) {
  // §3.3.2.3.8: a PUBLISH to a client may carry several Subscription Identifiers;
  // §3.8.2.1.2: a SUBSCRIBE may carry only one.
  return validate(block, bit(type), type == PacketType::kPublish);
}

Result<Properties, CodecError> Properties::parseWill(std::span<const uint8_t> block) {
  return validate(block, kWill, false);
}

Result<Properties, CodecError> Properties::read(ByteReader& reader, PacketType type) {
  MQTTD_TRY_ASSIGN(const auto block, readBlock(reader));
  return parse(block, type);
}

Result<Properties, CodecError> Properties::readWill(ByteReader& reader) {
  MQTTD_TRY_ASSIGN(const auto block, readBlock(reader));
  return parseWill(block);
}

size_t Properties::encodedSize() const {
  return varIntSize(uint32_t(raw_.size())) + raw_.size();
}

void Properties::encode(std::vector<uint8_t>& out) const {
  encodeVarInt(uint32_t(raw_.size()), out);
  out.insert(out.end(), raw_.begin(), raw_.end());
}

Properties::Iterator::Iterator(std::span<const uint8_t> raw, size_t offset)
    : raw_(raw), offset_(offset), next_(offset) {
  ++*this;
}

Properties::Iterator& Properties::Iterator::operator++() {
  offset_ = next_;
  if (offset_ >= raw_.size()) {
    offset_ = next_ = raw_.size();
    return *this;
  }
  ByteReader reader(raw_.subspan(offset_));
  auto p = readProperty(reader);
  if (!p) {  // only for unchecked() blocks that are not well-formed: stop iterating
    offset_ = next_ = raw_.size();
    return *this;
  }
  current_ = *p;
  next_ = offset_ + reader.offset();
  return *this;
}

Properties::Iterator Properties::Iterator::operator++(int) {
  Iterator copy = *this;
  ++*this;
  return copy;
}

std::optional<Property> Properties::find(PropertyId id) const {
  for (const Property& p : *this) {
    if (p.id == id) return p;
  }
  return std::nullopt;
}

std::optional<uint32_t> Properties::integer(PropertyId id) const {
  auto p = find(id);
  if (!p) return std::nullopt;
  return p->integer;
}

std::optional<std::string_view> Properties::text(PropertyId id) const {
  auto p = find(id);
  if (!p) return std::nullopt;
  return p->text;
}

std::optional<std::span<const uint8_t>> Properties::binary(PropertyId id) const {
  auto p = find(id);
  if (!p) return std::nullopt;
  return p->binary;
}

namespace {
template <typename T>
std::optional<T> narrow(std::optional<uint32_t> value) {
  if (!value) return std::nullopt;
  return static_cast<T>(*value);
}
}  // namespace

std::optional<uint8_t> Properties::payloadFormatIndicator() const {
  return narrow<uint8_t>(integer(PropertyId::kPayloadFormatIndicator));
}
std::optional<uint32_t> Properties::messageExpiryInterval() const {
  return integer(PropertyId::kMessageExpiryInterval);
}
std::optional<std::string_view> Properties::contentType() const {
  return text(PropertyId::kContentType);
}
std::optional<std::string_view> Properties::responseTopic() const {
  return text(PropertyId::kResponseTopic);
}
std::optional<std::span<const uint8_t>> Properties::correlationData() const {
  return binary(PropertyId::kCorrelationData);
}
std::vector<uint32_t> Properties::subscriptionIdentifiers() const {
  std::vector<uint32_t> ids;
  for (const Property& p : *this) {
    if (p.id == PropertyId::kSubscriptionIdentifier) ids.push_back(p.integer);
  }
  return ids;
}
std::optional<uint32_t> Properties::sessionExpiryInterval() const {
  return integer(PropertyId::kSessionExpiryInterval);
}
std::optional<uint16_t> Properties::receiveMaximum() const {
  return narrow<uint16_t>(integer(PropertyId::kReceiveMaximum));
}
std::optional<uint16_t> Properties::topicAliasMaximum() const {
  return narrow<uint16_t>(integer(PropertyId::kTopicAliasMaximum));
}
std::optional<uint16_t> Properties::topicAlias() const {
  return narrow<uint16_t>(integer(PropertyId::kTopicAlias));
}
std::optional<uint32_t> Properties::maximumPacketSize() const {
  return integer(PropertyId::kMaximumPacketSize);
}
std::optional<std::string_view> Properties::reasonString() const {
  return text(PropertyId::kReasonString);
}
std::optional<std::string_view> Properties::authenticationMethod() const {
  return text(PropertyId::kAuthenticationMethod);
}
std::vector<std::pair<std::string_view, std::string_view>> Properties::userProperties() const {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (const Property& p : *this) {
    if (p.id == PropertyId::kUserProperty) pairs.emplace_back(p.text, p.pair_value);
  }
  return pairs;
}

}  // namespace mqttd::mqtt
