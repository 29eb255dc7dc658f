// The smallest valid gw.yaml, shared by the loader tests: 7 lines, so keys a test appends start
// at line 8.
#pragma once

#include <string_view>

namespace mqttd::test {

inline constexpr std::string_view kMinimalConfig =
    "upstream:\n"
    "  address: 127.0.0.1:1883\n"
    "listeners:\n"
    "  tcp:\n"
    "    address: 127.0.0.1:11883\n"
    "admin:\n"
    "  address: 127.0.0.1:9100\n";

}  // namespace mqttd::test
