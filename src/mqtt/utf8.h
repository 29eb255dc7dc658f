// MQTT UTF-8 string rules (5.0 §1.5.4, 3.1.1 §1.5.3).
#pragma once

#include <string_view>

#include "core/result.h"
#include "mqtt/codec_error.h"

namespace mqttd::mqtt {

// Length of the well-formed UTF-8 sequence starting at text[i] (1..4), or 0 when the bytes there
// are not one (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF). U+0000 is a
// well-formed sequence of length 1 (MQTT strings forbid it; validateMqttUtf8 checks that).
size_t utf8SequenceLength(std::string_view text, size_t i);

// ok() when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)
// [MQTT-1.5.4-1] and contains no U+0000 [MQTT-1.5.4-2].
[[nodiscard]] Result<void, CodecError> validateMqttUtf8(std::string_view text);

inline bool isValidMqttUtf8(std::string_view text) {
  return validateMqttUtf8(text).ok();
}

}  // namespace mqttd::mqtt
