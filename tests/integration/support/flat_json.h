// FlatJson: a small, independent parser for the one-line JSON objects handlers write
// (docs/routing.md §3), so integration tests check the gateway's encoder with other code.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mqttd::test {

struct JsonValue {
  bool is_string = false;
  std::string text;  // the decoded string, or the raw token (1, true, null)
};
using JsonObject = std::map<std::string, JsonValue>;

// One flat object ({"k":"v","n":1,"b":true}), nothing after it but whitespace; nullopt when it is
// not exactly that (nested values, duplicate keys, unescaped control characters, ...).
std::optional<JsonObject> parseFlatJson(std::string_view s);

// RFC 4648 §4 base64 with padding (the expected form of a binary payload).
std::string base64(std::string_view bytes);

}  // namespace mqttd::test
