#include "mqtt/property_builder.h"

#include "mqtt/byte_writer.h"
#include "mqtt/var_int.h"

namespace mqttd::mqtt {

PropertyBuilder& PropertyBuilder::byte(PropertyId id, uint8_t value) {
  bytes_.push_back(static_cast<uint8_t>(id));
  bytes_.push_back(value);
  return *this;
}

PropertyBuilder& PropertyBuilder::twoByte(PropertyId id, uint16_t value) {
  bytes_.push_back(static_cast<uint8_t>(id));
  ByteWriter(bytes_).u16(value);
  return *this;
}

PropertyBuilder& PropertyBuilder::fourByte(PropertyId id, uint32_t value) {
  bytes_.push_back(static_cast<uint8_t>(id));
  ByteWriter(bytes_).u32(value);
  return *this;
}

PropertyBuilder& PropertyBuilder::varInt(PropertyId id, uint32_t value) {
  bytes_.push_back(static_cast<uint8_t>(id));
  encodeVarInt(value > kMaxVarInt ? kMaxVarInt : value, bytes_);
  return *this;
}

void PropertyBuilder::lengthPrefixed(std::span<const uint8_t> data) {
  // Longer data is cut to 65,535 bytes so the block stays well-formed.
  if (data.size() > kMaxStringLength) data = data.first(kMaxStringLength);
  ByteWriter writer(bytes_);
  writer.u16(uint16_t(data.size()));
  writer.bytes(data);
}

PropertyBuilder& PropertyBuilder::text(PropertyId id, std::string_view value) {
  bytes_.push_back(static_cast<uint8_t>(id));
  lengthPrefixed(asBytes(value));
  return *this;
}

PropertyBuilder& PropertyBuilder::binary(PropertyId id, std::span<const uint8_t> value) {
  bytes_.push_back(static_cast<uint8_t>(id));
  lengthPrefixed(value);
  return *this;
}

PropertyBuilder& PropertyBuilder::userProperty(std::string_view name, std::string_view value) {
  bytes_.push_back(static_cast<uint8_t>(PropertyId::kUserProperty));
  lengthPrefixed(asBytes(name));
  lengthPrefixed(asBytes(value));
  return *this;
}

}  // namespace mqttd::mqtt
