// Byte sizes in config values: "512", "512B", "64KB" (64000), "64KiB" (65536), "1MiB", "1GiB".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd::config {

// Parses <integer>[unit]; units (case-sensitive): B, KB, MB, GB (powers of 1000) and KiB, MiB,
// GiB (powers of 1024); no unit means bytes. Rejects fractions, signs, spaces and overflow.
Result<uint64_t, std::string> parseByteSize(std::string_view text);

// The shortest exact form with a binary unit: 65536 -> "64KiB", 1000 -> "1000", 0 -> "0".
std::string formatByteSize(uint64_t bytes);

}  // namespace mqttd::config
