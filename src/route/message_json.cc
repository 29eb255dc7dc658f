#include "route/message_json.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "core/log.h"
#include "mqtt/utf8.h"

namespace mqttd {
namespace {

// `text` as a JSON string body. Fields other than the payload are valid UTF-8 when they come from
// the MQTT codec; should one not be, each byte that starts no well-formed sequence becomes
// U+FFFD, so the line stays valid JSON.
std::string jsonText(std::string_view text) {
  if (isWellFormedUtf8(text)) return jsonEscape(text);
  std::string clean;
  clean.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const size_t n = mqtt::utf8SequenceLength(text, i);
    if (n == 0) {
      clean += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      clean.append(text.substr(i, n));
      i += n;
    }
  }
  return jsonEscape(clean);
}

// RFC 3339 UTC with microseconds: 2026-11-26T03:04:05.123456Z.
std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto micros = floor<microseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(micros);
  const auto frac = (micros - secs).count();  // 0..999999
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

void addString(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":\"";
  out += jsonText(value);
  out += '"';
}

}  // namespace

bool isWellFormedUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = mqtt::utf8SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8 |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 0x3F];
    out += kAlphabet[(v >> 12) & 0x3F];
    out += kAlphabet[(v >> 6) & 0x3F];
    out += kAlphabet[v & 0x3F];
  }
  const size_t rest = bytes.size() - i;  // 0, 1 or 2
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 0x3F];
    out += kAlphabet[(v >> 12) & 0x3F];
    out += rest == 2 ? kAlphabet[(v >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string messageToJson(const Message& message) {
  const bool text = isWellFormedUtf8(message.payload);
  std::string out;
  out.reserve(message.topic.size() + message.payload.size() * (text ? 1 : 2) + 256);
  out += "{\"topic\":\"";
  out += jsonText(message.topic);
  out += "\",\"payload\":\"";
  out += text ? jsonEscape(message.payload) : base64Encode(message.payload);
  out += "\",\"encoding\":\"";
  out += text ? "utf8" : "base64";
  out += "\",\"qos\":";
  out += std::to_string(message.qos);
  out += ",\"retain\":";
  out += message.retain ? "true" : "false";
  addString(out, "client_id", message.client_id);
  addString(out, "username", message.username);
  addString(out, "transport", message.transport);
  addString(out, "peer", message.peer);
  addString(out, "connection_id", message.connection_id);
  addString(out, "timestamp", rfc3339(message.timestamp));
  out += '}';
  return out;
}

}  // namespace mqttd
