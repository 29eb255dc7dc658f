// MQTT UTF-8 string rules (5.0 §1.5.4, 3.1.1 §1.5.3).
#pragma once

#include <string_view>

#include "core/result.h"
#include "mqtt/codec_error.h"

namespace mqttd::mqtt {

// ok() when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)
// [MQTT-1.5.4-1] and contains no U+0000 [MQTT-1.5.4-2].
[[nodiscard]] Result<void, CodecError> validateMqttUtf8(std::string_view text);

inline bool isValidMqttUtf8(std::string_view text) {
  return validateMqttUtf8(text).ok();
}

}  // namespace mqttd::mqtt
