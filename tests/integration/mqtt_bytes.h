// Byte-exact MQTT packets for integration tests, written out by hand (independent of the
// gateway's own codec, so a codec bug cannot hide itself).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mqttd::test {

inline void appendLength(std::vector<uint8_t>& out, size_t n) {
  do {
    uint8_t b = n % 128;
    n /= 128;
    if (n > 0) b |= 0x80;
    out.push_back(b);
  } while (n > 0);
}

inline void appendString(std::vector<uint8_t>& out, const std::string& s) {
  out.push_back(static_cast<uint8_t>(s.size() >> 8));
  out.push_back(static_cast<uint8_t>(s.size() & 0xff));
  out.insert(out.end(), s.begin(), s.end());
}

// CONNECT, clean session, keepalive 60, no will/credentials. `level` 4 = 3.1.1, 5 = 5.0.
inline std::vector<uint8_t> connectPacket(const std::string& client_id, uint8_t level = 4) {
  std::vector<uint8_t> body;
  appendString(body, "MQTT");
  body.push_back(level);
  body.push_back(0x02);  // clean session
  body.push_back(0x00);
  body.push_back(60);
  if (level == 5) body.push_back(0x00);  // no properties
  appendString(body, client_id);
  std::vector<uint8_t> out{0x10};
  appendLength(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// SUBSCRIBE packet id 1, one filter at `qos`.
inline std::vector<uint8_t> subscribePacket(const std::string& filter, uint8_t qos,
                                            uint8_t level = 4) {
  std::vector<uint8_t> body{0x00, 0x01};
  if (level == 5) body.push_back(0x00);
  appendString(body, filter);
  body.push_back(qos);
  std::vector<uint8_t> out{0x82};
  appendLength(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// PUBLISH QoS 0.
inline std::vector<uint8_t> publishPacket(const std::string& topic, const std::string& payload,
                                          uint8_t level = 4) {
  std::vector<uint8_t> body;
  appendString(body, topic);
  if (level == 5) body.push_back(0x00);
  body.insert(body.end(), payload.begin(), payload.end());
  std::vector<uint8_t> out{0x30};
  appendLength(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace mqttd::test
