#include "mqtt/var_int.h"

#include <cassert>

namespace mqttd::mqtt {

uint8_t varIntSize(uint32_t value) {
  if (value < 128) return 1;
  if (value < 16'384) return 2;
  if (value < 2'097'152) return 3;
  return 4;
}

uint8_t encodeVarInt(uint32_t value, std::vector<uint8_t>& out) {
  assert(value <= kMaxVarInt);
  uint8_t written = 0;
  do {
    uint8_t byte = value % 128;
    value /= 128;
    if (value > 0) byte |= 0x80;
    out.push_back(byte);
    ++written;
  } while (value > 0);
  return written;
}

Result<std::optional<VarInt>, CodecError> decodeVarInt(std::span<const uint8_t> in) {
  uint32_t value = 0;
  uint32_t multiplier = 1;
  for (uint8_t i = 0; i < 4; ++i) {
    if (i >= in.size()) return std::optional<VarInt>();
    const uint8_t byte = in[i];
    value += (byte & 0x7F) * multiplier;
    if ((byte & 0x80) == 0) return std::optional<VarInt>(VarInt{value, uint8_t(i + 1)});
    multiplier *= 128;
  }
  // MQTT 5.0 §1.5.5: the fourth byte must not have the continuation bit set.
  return fail(CodecError::kVarIntTooLong);
}

}  // namespace mqttd::mqtt
