// Variable byte integer (MQTT 5.0 §1.5.5, 3.1.1 §2.2.3): 7 bits a byte, at most 4 bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"

namespace mqttd::mqtt {

// Largest value four bytes can carry: 268,435,455 (0xFF 0xFF 0xFF 0x7F).
inline constexpr uint32_t kMaxVarInt = 268'435'455;

struct VarInt {
  uint32_t value = 0;  // decoded value, 0..kMaxVarInt
  uint8_t size = 0;    // bytes it occupied, 1..4
};

// Bytes needed to encode `value` (1..4); `value` must be <= kMaxVarInt.
uint8_t varIntSize(uint32_t value);

// Appends the minimal encoding of `value` (must be <= kMaxVarInt); returns bytes written.
uint8_t encodeVarInt(uint32_t value, std::vector<uint8_t>& out);

// Decodes from the start of `in`. ok(nullopt): `in` ends before the last byte.
// Non-minimal encodings (e.g. 0x80 0x00) are accepted: the spec only bounds the length.
[[nodiscard]] Result<std::optional<VarInt>, CodecError> decodeVarInt(std::span<const uint8_t> in);

}  // namespace mqttd::mqtt
