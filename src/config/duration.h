// Durations in config values: "250us", "500ms", "30s", "2m", "1h", "1m30s".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd::config {

// Parses one or more <integer><unit> parts, summed: units us, ms, s, m, h (case-sensitive).
// Rejects bare integers (with a hint to add a unit), fractions, signs, spaces and values above
// about 292,000 years. The error text is a complete sentence fragment for ConfigError::message.
Result<std::chrono::microseconds, std::string> parseDuration(std::string_view text);

// The shortest exact form: 1500ms -> "1500ms", 60000ms -> "1m", 0 -> "0s", 90s -> "90s".
std::string formatDuration(std::chrono::microseconds d);

}  // namespace mqttd::config
