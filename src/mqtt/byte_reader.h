// ByteReader: bounds-checked big-endian reads of MQTT data types from a span (no copies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.h"
#include "mqtt/codec_error.h"

namespace mqttd::mqtt {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - offset_; }
  size_t offset() const { return offset_; }
  bool empty() const { return remaining() == 0; }

  // Every read fails with kTruncated (and consumes nothing) when the data ends too early.
  [[nodiscard]] Result<uint8_t, CodecError> u8();
  [[nodiscard]] Result<uint16_t, CodecError> u16();
  [[nodiscard]] Result<uint32_t, CodecError> u32();
  // Variable byte integer; kVarIntTooLong for a fifth byte.
  [[nodiscard]] Result<uint32_t, CodecError> varInt();
  // Two-byte length + UTF-8 text, validated [MQTT-1.5.4-1] [MQTT-1.5.4-2].
  [[nodiscard]] Result<std::string_view, CodecError> utf8();
  // Two-byte length + bytes.
  [[nodiscard]] Result<std::span<const uint8_t>, CodecError> binary();
  // The next `n` bytes.
  [[nodiscard]] Result<std::span<const uint8_t>, CodecError> bytes(size_t n);
  // Everything not read yet (consumes it).
  std::span<const uint8_t> rest();

 private:
  std::span<const uint8_t> data_;
  size_t offset_ = 0;  // bytes consumed, <= data_.size()
};

// A view of bytes as text (MQTT strings are bytes on the wire).
inline std::string_view asText(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace mqttd::mqtt
