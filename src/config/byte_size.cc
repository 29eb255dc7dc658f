#include "config/byte_size.h"

#include <array>
#include <charconv>

namespace mqttd::config {
namespace {

struct Unit {
  std::string_view name;
  uint64_t bytes;  // size of one unit
};

constexpr std::array<Unit, 7> kUnits{{
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"KiB", 1024},
    {"MiB", 1024 * 1024},
    {"GiB", 1024 * 1024 * 1024},
}};

constexpr std::string_view kUnitHelp =
    "units: B, KB, MB, GB (1000-based), KiB, MiB, GiB (1024-based); no unit means bytes";

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

Result<uint64_t, std::string> parseByteSize(std::string_view text) {
  if (text.empty())
    return fail("empty size; expected e.g. 64KiB or 1048576 (" + std::string(kUnitHelp) + ")");
  if (text.front() == '-') return fail("size " + quoted(text) + " must not be negative");
  if (text.front() < '0' || text.front() > '9')
    return fail("invalid size " + quoted(text) +
                "; expected a whole number and an optional unit, " + "e.g. 64KiB (" +
                std::string(kUnitHelp) + ")");
  uint64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc()) return fail("size " + quoted(text) + " is too large");
  const std::string_view unit_name = text.substr(static_cast<size_t>(end - text.data()));
  if (unit_name.empty()) return number;
  if (unit_name.front() == '.' || unit_name.front() == ',')
    return fail("invalid size " + quoted(text) +
                ": fractions are not supported; use a smaller unit, e.g. 1536KiB for 1.5MiB");
  for (const Unit& u : kUnits) {
    if (u.name != unit_name) continue;
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(number, u.bytes, &bytes))
      return fail("size " + quoted(text) + " is too large");
    return bytes;
  }
  return fail("invalid size " + quoted(text) + ": unknown unit " + quoted(unit_name) + " (" +
              std::string(kUnitHelp) + ")");
}

std::string formatByteSize(uint64_t bytes) {
  if (bytes == 0) return "0";
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (it->name.back() != 'B' || it->name.size() != 3) continue;  // binary units only
    if (bytes % it->bytes == 0) return std::to_string(bytes / it->bytes) + std::string(it->name);
  }
  return std::to_string(bytes);
}

}  // namespace mqttd::config
