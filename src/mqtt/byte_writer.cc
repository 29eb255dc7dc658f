#include "mqtt/byte_writer.h"

#include "mqtt/utf8.h"
#include "mqtt/var_int.h"

namespace mqttd::mqtt {

void ByteWriter::u16(uint16_t value) {
  out_.push_back(uint8_t(value >> 8));
  out_.push_back(uint8_t(value));
}

void ByteWriter::u32(uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(uint8_t(value >> shift));
}

void ByteWriter::varInt(uint32_t value) {
  encodeVarInt(value, out_);
}

Result<void, CodecError> ByteWriter::binary(std::span<const uint8_t> data) {
  if (data.size() > kMaxStringLength) return fail(CodecError::kStringTooLong);
  u16(uint16_t(data.size()));
  bytes(data);
  return {};
}

Result<void, CodecError> ByteWriter::utf8(std::string_view text) {
  if (auto valid = validateMqttUtf8(text); !valid) return valid;
  return binary(asBytes(text));
}

}  // namespace mqttd::mqtt
