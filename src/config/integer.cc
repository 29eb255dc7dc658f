#include "config/integer.h"

#include <charconv>

namespace mqttd::config {

Result<int64_t, std::string> parseInteger(std::string_view text, int64_t min, int64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || end != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range))
    return fail("invalid integer '" + std::string(text) + "'; expected a whole number in " + range);
  if (ec == std::errc::result_out_of_range || value < min || value > max)
    return fail(std::string(text) + " is out of range " + range);
  return value;
}

}  // namespace mqttd::config
