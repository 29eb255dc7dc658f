// Properties: a validated view of an MQTT 5.0 property block (§2.2.2), no copies.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "mqtt/byte_reader.h"
#include "mqtt/codec_error.h"
#include "mqtt/packet_type.h"

namespace mqttd::mqtt {

// MQTT 5.0 §2.2.2.2, Table 2-4.
enum class PropertyId : uint8_t {
  kPayloadFormatIndicator = 0x01,           // byte 0/1; PUBLISH, will
  kMessageExpiryInterval = 0x02,            // four-byte seconds; PUBLISH, will
  kContentType = 0x03,                      // UTF-8; PUBLISH, will
  kResponseTopic = 0x08,                    // UTF-8 topic name; PUBLISH, will
  kCorrelationData = 0x09,                  // binary; PUBLISH, will
  kSubscriptionIdentifier = 0x0B,           // varint 1..268,435,455; PUBLISH, SUBSCRIBE
  kSessionExpiryInterval = 0x11,            // four-byte seconds; CONNECT, CONNACK, DISCONNECT
  kAssignedClientIdentifier = 0x12,         // UTF-8; CONNACK
  kServerKeepAlive = 0x13,                  // two-byte seconds; CONNACK
  kAuthenticationMethod = 0x15,             // UTF-8; CONNECT, CONNACK, AUTH
  kAuthenticationData = 0x16,               // binary; CONNECT, CONNACK, AUTH
  kRequestProblemInformation = 0x17,        // byte 0/1; CONNECT
  kWillDelayInterval = 0x18,                // four-byte seconds; will
  kRequestResponseInformation = 0x19,       // byte 0/1; CONNECT
  kResponseInformation = 0x1A,              // UTF-8; CONNACK
  kServerReference = 0x1C,                  // UTF-8; CONNACK, DISCONNECT
  kReasonString = 0x1F,                     // UTF-8; acks, DISCONNECT, AUTH
  kReceiveMaximum = 0x21,                   // two-byte, non-zero; CONNECT, CONNACK
  kTopicAliasMaximum = 0x22,                // two-byte; CONNECT, CONNACK
  kTopicAlias = 0x23,                       // two-byte, non-zero; PUBLISH
  kMaximumQos = 0x24,                       // byte 0/1; CONNACK
  kRetainAvailable = 0x25,                  // byte 0/1; CONNACK
  kUserProperty = 0x26,                     // UTF-8 pair, repeatable; all packets
  kMaximumPacketSize = 0x27,                // four-byte, non-zero; CONNECT, CONNACK
  kWildcardSubscriptionAvailable = 0x28,    // byte 0/1; CONNACK
  kSubscriptionIdentifierAvailable = 0x29,  // byte 0/1; CONNACK
  kSharedSubscriptionAvailable = 0x2A,      // byte 0/1; CONNACK
};

std::string_view toString(PropertyId id);

// One decoded property; which member is meaningful depends on the id's data type.
struct Property {
  PropertyId id = PropertyId::kUserProperty;
  uint32_t integer = 0;             // byte, two-byte, four-byte and varint values
  std::string_view text;            // UTF-8 string value; user property name
  std::string_view pair_value;      // user property value
  std::span<const uint8_t> binary;  // binary data value
};

class Properties {
 public:
  Properties() = default;  // the empty block
  // Wraps bytes known to be well-formed (e.g. from PropertyBuilder); not validated.
  static Properties unchecked(std::span<const uint8_t> block) { return Properties(block); }

  // Validates `block` (bytes after the property length) for a packet of `type`:
  // ids, value types and ranges, duplicates, and which ids the packet allows.
  [[nodiscard]] static Result<Properties, CodecError> parse(std::span<const uint8_t> block,
                                                            PacketType type);
  // As parse(), for the will properties of CONNECT (§3.1.3.2).
  [[nodiscard]] static Result<Properties, CodecError> parseWill(std::span<const uint8_t> block);
  // Reads the property length and the block from `reader`, then parse()/parseWill().
  [[nodiscard]] static Result<Properties, CodecError> read(ByteReader& reader, PacketType type);
  [[nodiscard]] static Result<Properties, CodecError> readWill(ByteReader& reader);

  std::span<const uint8_t> raw() const { return raw_; }
  bool empty() const { return raw_.empty(); }
  // Property length (varint) + block.
  size_t encodedSize() const;
  void encode(std::vector<uint8_t>& out) const;

  class Iterator {
   public:
    using value_type = Property;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    const Property& operator*() const { return current_; }
    const Property* operator->() const { return &current_; }
    Iterator& operator++();
    Iterator operator++(int);
    bool operator==(const Iterator& other) const { return offset_ == other.offset_; }

   private:
    friend class Properties;
    Iterator(std::span<const uint8_t> raw, size_t offset);
    std::span<const uint8_t> raw_;
    size_t offset_ = 0;  // start of current_ in raw_; raw_.size() at the end
    size_t next_ = 0;    // start of the property after current_
    Property current_;
  };
  Iterator begin() const { return Iterator(raw_, 0); }
  Iterator end() const { return Iterator(raw_, raw_.size()); }

  // The first property with `id`, if any.
  std::optional<Property> find(PropertyId id) const;
  std::optional<uint32_t> integer(PropertyId id) const;
  std::optional<std::string_view> text(PropertyId id) const;
  std::optional<std::span<const uint8_t>> binary(PropertyId id) const;

  std::optional<uint8_t> payloadFormatIndicator() const;
  std::optional<uint32_t> messageExpiryInterval() const;
  std::optional<std::string_view> contentType() const;
  std::optional<std::string_view> responseTopic() const;
  std::optional<std::span<const uint8_t>> correlationData() const;
  std::vector<uint32_t> subscriptionIdentifiers() const;
  std::optional<uint32_t> sessionExpiryInterval() const;
  std::optional<uint16_t> receiveMaximum() const;
  std::optional<uint16_t> topicAliasMaximum() const;
  std::optional<uint16_t> topicAlias() const;
  std::optional<uint32_t> maximumPacketSize() const;
  std::optional<std::string_view> reasonString() const;
  std::optional<std::string_view> authenticationMethod() const;
  // (name, value) views in wire order.
  std::vector<std::pair<std::string_view, std::string_view>> userProperties() const;

 private:
  explicit Properties(std::span<const uint8_t> raw) : raw_(raw) {}
  std::span<const uint8_t> raw_;  // the block after the property length
};

}  // namespace mqttd::mqtt
