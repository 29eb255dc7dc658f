#include "config/duration.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace mqttd::config {
namespace {

struct Unit {
  std::string_view name;
  int64_t micros;  // length of one unit in microseconds
};

// Longest names first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 5> kUnits{{
    {"us", 1},
    {"ms", 1000},
    {"s", 1000 * 1000},
    {"m", 60LL * 1000 * 1000},
    {"h", 3600LL * 1000 * 1000},
}};

constexpr std::string_view kUnitList = "us, ms, s, m, h";

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

Result<std::chrono::microseconds, std::string> parseDuration(std::string_view text) {
  const std::string example = "e.g. 30s or 500ms (units: " + std::string(kUnitList) + ")";
  if (text.empty()) return fail("empty duration; expected " + example);
  if (text.front() == '-') return fail("duration " + quoted(text) + " must not be negative");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!isDigit(text[i]))
      return fail("invalid duration " + quoted(text) + "; expected a whole number and a unit, " +
                  example);
    const size_t part_start = i;
    uint64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), number);
    if (ec != std::errc()) return fail("duration " + quoted(text) + " is too large");
    i = static_cast<size_t>(end - text.data());
    if (i == text.size()) {
      if (part_start == 0)
        return fail("duration " + quoted(text) + " has no unit; write e.g. " + std::string(text) +
                    "s or " + std::string(text) + "ms (units: " + std::string(kUnitList) + ")");
      return fail("invalid duration " + quoted(text) +
                  ": the last number has no unit (units: " + std::string(kUnitList) + ")");
    }
    if (text[i] == '.' || text[i] == ',')
      return fail("invalid duration " + quoted(text) +
                  ": fractions are not supported; use a smaller unit, e.g. 1500ms for 1.5s");
    size_t unit_end = i;
    while (unit_end < text.size() && !isDigit(text[unit_end])) ++unit_end;
    const std::string_view unit_name = text.substr(i, unit_end - i);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits)
      if (u.name == unit_name) unit = &u;
    if (unit == nullptr)
      return fail("invalid duration " + quoted(text) + ": unknown unit " + quoted(unit_name) +
                  " (units: " + std::string(kUnitList) + ")");
    int64_t part = 0;
    if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(static_cast<int64_t>(number), unit->micros, &part) ||
        __builtin_add_overflow(total, part, &total))
      return fail("duration " + quoted(text) + " is too large");
    i = unit_end;
  }
  return std::chrono::microseconds(total);
}

std::string formatDuration(std::chrono::microseconds d) {
  const int64_t us = d.count();
  if (us == 0) return "0s";
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it)
    if (us % it->micros == 0) return std::to_string(us / it->micros) + std::string(it->name);
  return std::to_string(us) + "us";
}

}  // namespace mqttd::config
