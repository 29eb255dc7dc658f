// ByteWriter: appends big-endian MQTT data types to a caller's std::vector<uint8_t>.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"

namespace mqttd::mqtt {

// Longest MQTT string or binary field: its length is a two-byte integer.
inline constexpr size_t kMaxStringLength = 65'535;

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  void u8(uint8_t value) { out_.push_back(value); }
  void u16(uint16_t value);
  void u32(uint32_t value);
  void varInt(uint32_t value);  // value <= kMaxVarInt
  // Two-byte length + bytes; kStringTooLong above 65,535 bytes (nothing appended then).
  [[nodiscard]] Result<void, CodecError> binary(std::span<const uint8_t> data);
  // As binary(), after checking MQTT UTF-8 rules (kInvalidUtf8 / kNullCharacter).
  [[nodiscard]] Result<void, CodecError> utf8(std::string_view text);
  void bytes(std::span<const uint8_t> data) { out_.insert(out_.end(), data.begin(), data.end()); }

  size_t size() const { return out_.size(); }

 private:
  std::vector<uint8_t>& out_;
};

// Wire size of a two-byte-length-prefixed field.
inline size_t prefixedSize(size_t length) {
  return 2 + length;
}

inline std::span<const uint8_t> asBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace mqttd::mqtt
