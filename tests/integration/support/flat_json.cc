#include "flat_json.h"

#include <cctype>

namespace mqttd::test {
namespace {

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// RFC 8259 string at s[pos] (the opening quote); nullopt when malformed (including a raw
// control character, which JSON requires to be escaped).
std::optional<std::string> parseJsonString(std::string_view s, size_t& pos) {
  if (pos >= s.size() || s[pos] != '"') return std::nullopt;
  ++pos;
  std::string out;
  auto hex4 = [&](size_t at) -> std::optional<uint32_t> {
    if (at + 4 > s.size()) return std::nullopt;
    uint32_t v = 0;
    for (size_t i = at; i < at + 4; ++i) {
      const char c = s[i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return std::nullopt;
    }
    return v;
  };
  while (pos < s.size()) {
    const char c = s[pos++];
    if (c == '"') return out;
    if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (pos >= s.size()) return std::nullopt;
    const char e = s[pos++];
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto cp = hex4(pos);
        if (!cp) return std::nullopt;
        pos += 4;
        if (*cp >= 0xD800 && *cp < 0xDC00) {  // a surrogate pair
          if (pos + 6 > s.size() || s[pos] != '\\' || s[pos + 1] != 'u') return std::nullopt;
          auto low = hex4(pos + 2);
          if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
          pos += 6;
          *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
        }
        appendUtf8(out, *cp);
        break;
      }
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

// true, false, null, or an RFC 8259 §6 number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool isJsonLiteral(std::string_view t) {
  if (t == "true" || t == "false" || t == "null") return true;
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.' && (++i, !digits())) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

}  // namespace

// One flat object ({"k":"v","n":1,"b":true}), nothing after it but whitespace.
std::optional<JsonObject> parseFlatJson(std::string_view s) {
  size_t pos = 0;
  auto ws = [&] {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r' || s[pos] == '\n'))
      ++pos;
  };
  JsonObject obj;
  ws();
  if (pos >= s.size() || s[pos++] != '{') return std::nullopt;
  ws();
  if (pos < s.size() && s[pos] == '}') {
    ++pos;
  } else {
    while (true) {
      ws();
      auto key = parseJsonString(s, pos);
      if (!key) return std::nullopt;
      ws();
      if (pos >= s.size() || s[pos++] != ':') return std::nullopt;
      ws();
      JsonValue value;
      if (pos < s.size() && s[pos] == '"') {
        auto str = parseJsonString(s, pos);
        if (!str) return std::nullopt;
        value = {true, *str};
      } else {
        const size_t start = pos;
        while (pos < s.size() && s[pos] != ',' && s[pos] != '}' && s[pos] != ' ') ++pos;
        value.text = std::string(s.substr(start, pos - start));
        if (!isJsonLiteral(value.text)) return std::nullopt;
      }
      if (!obj.emplace(*key, value).second) return std::nullopt;  // duplicate key
      ws();
      if (pos >= s.size()) return std::nullopt;
      const char c = s[pos++];
      if (c == '}') break;
      if (c != ',') return std::nullopt;
    }
  }
  ws();
  if (pos != s.size()) return std::nullopt;
  return obj;
}

// RFC 4648 §4 base64 with padding (the expected form of a binary payload).
std::string base64(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (bytes.size() - i == 1) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace mqttd::test
