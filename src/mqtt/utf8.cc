#include "mqtt/utf8.h"

#include <cstdint>

namespace mqttd::mqtt {

Result<void, CodecError> validateMqttUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c == 0) return fail(CodecError::kNullCharacter);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t code = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1, code = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, code = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, code = c & 0x07, min = 0x10000;
    } else {
      return fail(CodecError::kInvalidUtf8);  // continuation byte or 0xF8..0xFF as lead
    }
    if (n - i - 1 < extra) return fail(CodecError::kInvalidUtf8);
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<uint8_t>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return fail(CodecError::kInvalidUtf8);
      code = (code << 6) | (cc & 0x3F);
    }
    if (code < min) return fail(CodecError::kInvalidUtf8);                        // overlong
    if (code >= 0xD800 && code <= 0xDFFF) return fail(CodecError::kInvalidUtf8);  // surrogate
    if (code > 0x10FFFF) return fail(CodecError::kInvalidUtf8);
    i += extra + 1;
  }
  return {};
}

}  // namespace mqttd::mqtt
