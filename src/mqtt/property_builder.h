// PropertyBuilder: owns the bytes of a v5 property block being built for an encoder.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mqtt/properties.h"

namespace mqttd::mqtt {

// Appends properties in call order. Values are written as given; the packet encoders
// re-validate the block for their packet type (allowed ids, duplicates, UTF-8, ranges).
class PropertyBuilder {
 public:
  PropertyBuilder& byte(PropertyId id, uint8_t value);
  PropertyBuilder& twoByte(PropertyId id, uint16_t value);
  PropertyBuilder& fourByte(PropertyId id, uint32_t value);
  PropertyBuilder& varInt(PropertyId id, uint32_t value);  // value <= kMaxVarInt
  PropertyBuilder& text(PropertyId id, std::string_view value);
  PropertyBuilder& binary(PropertyId id, std::span<const uint8_t> value);

  PropertyBuilder& reasonString(std::string_view value) {
    return text(PropertyId::kReasonString, value);
  }
  PropertyBuilder& sessionExpiryInterval(uint32_t seconds) {
    return fourByte(PropertyId::kSessionExpiryInterval, seconds);
  }
  PropertyBuilder& topicAlias(uint16_t alias) { return twoByte(PropertyId::kTopicAlias, alias); }
  PropertyBuilder& receiveMaximum(uint16_t value) {
    return twoByte(PropertyId::kReceiveMaximum, value);
  }
  PropertyBuilder& maximumPacketSize(uint32_t bytes) {
    return fourByte(PropertyId::kMaximumPacketSize, bytes);
  }
  PropertyBuilder& subscriptionIdentifier(uint32_t id) {
    return varInt(PropertyId::kSubscriptionIdentifier, id);
  }
  PropertyBuilder& userProperty(std::string_view name, std::string_view value);

  // The block (without its length); valid while this builder lives and is not modified.
  Properties view() const { return Properties::unchecked(bytes_); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  void lengthPrefixed(std::span<const uint8_t> data);
  std::vector<uint8_t> bytes_;  // the encoded block
};

}  // namespace mqttd::mqtt
