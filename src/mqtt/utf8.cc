#include "mqtt/utf8.h"

#include <cstdint>

namespace mqttd::mqtt {

size_t utf8SequenceLength(std::string_view text, size_t i) {
  const auto c = static_cast<uint8_t>(text[i]);
  if (c < 0x80) return 1;
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
    return 0;  // a continuation byte or 0xF8..0xFF as lead
  }
  if (text.size() - i - 1 < extra) return 0;
  for (size_t k = 1; k <= extra; ++k) {
    const auto cc = static_cast<uint8_t>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    code = (code << 6) | (cc & 0x3F);
  }
  if (code < min) return 0;                         // overlong
  if (code >= 0xD800 && code <= 0xDFFF) return 0;  // surrogate
  if (code > 0x10FFFF) return 0;
  return extra + 1;
}

Result<void, CodecError> validateMqttUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') return fail(CodecError::kNullCharacter);
    const size_t n = utf8SequenceLength(text, i);
    if (n == 0) return fail(CodecError::kInvalidUtf8);
    i += n;
  }
  return {};
}

}  // namespace mqttd::mqtt
