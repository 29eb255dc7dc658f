// Plain integers in config values: "511", "-3". No signs other than '-', no hex, no separators.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd::config {

// Parses a decimal integer and checks min <= value <= max; the error names the range.
Result<int64_t, std::string> parseInteger(std::string_view text, int64_t min, int64_t max);

}  // namespace mqttd::config
