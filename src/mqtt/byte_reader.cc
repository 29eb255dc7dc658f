#include "mqtt/byte_reader.h"

#include "mqtt/utf8.h"
#include "mqtt/var_int.h"

namespace mqttd::mqtt {

Result<uint8_t, CodecError> ByteReader::u8() {
  if (remaining() < 1) return fail(CodecError::kTruncated);
  return data_[offset_++];
}

Result<uint16_t, CodecError> ByteReader::u16() {
  if (remaining() < 2) return fail(CodecError::kTruncated);
  const uint16_t value = uint16_t((data_[offset_] << 8) | data_[offset_ + 1]);
  offset_ += 2;
  return value;
}

Result<uint32_t, CodecError> ByteReader::u32() {
  if (remaining() < 4) return fail(CodecError::kTruncated);
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | data_[offset_ + i];
  offset_ += 4;
  return value;
}

Result<uint32_t, CodecError> ByteReader::varInt() {
  auto decoded = decodeVarInt(data_.subspan(offset_));
  if (!decoded) return fail(decoded.error());
  if (!decoded->has_value()) return fail(CodecError::kTruncated);
  offset_ += (*decoded)->size;
  return (*decoded)->value;
}

Result<std::span<const uint8_t>, CodecError> ByteReader::bytes(size_t n) {
  if (remaining() < n) return fail(CodecError::kTruncated);
  auto out = data_.subspan(offset_, n);
  offset_ += n;
  return out;
}

Result<std::span<const uint8_t>, CodecError> ByteReader::binary() {
  const size_t start = offset_;
  auto length = u16();
  if (!length) return fail(length.error());
  auto out = bytes(*length);
  if (!out) offset_ = start;
  return out;
}

Result<std::string_view, CodecError> ByteReader::utf8() {
  const size_t start = offset_;
  auto raw = binary();
  if (!raw) return fail(raw.error());
  const std::string_view text = asText(*raw);
  if (auto valid = validateMqttUtf8(text); !valid) {
    offset_ = start;
    return fail(valid.error());
  }
  return text;
}

std::span<const uint8_t> ByteReader::rest() {
  auto out = data_.subspan(offset_);
  offset_ = data_.size();
  return out;
}

}  // namespace mqttd::mqtt
