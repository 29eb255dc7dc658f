// hex(): byte fixtures written as hex text, shared by the codec tests of every layer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace mqttd::testing {

// "20 02 00 03" -> {0x20, 0x02, 0x00, 0x03}; spaces (and anything not a hex digit) are ignored.
inline std::vector<uint8_t> hex(std::string_view text) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(uint8_t(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

}  // namespace mqttd::testing
