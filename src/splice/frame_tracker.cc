#include "splice/frame_tracker.h"

#include <algorithm>

namespace mqttd {
namespace {
// The largest packet MQTT can express: 5-byte header + 268,435,455.
constexpr uint32_t kMaxMqttPacket = 268435460u;
}  // namespace

bool FrameTracker::follow(std::span<const uint8_t> data) {
  if (lost_) return false;
  size_t pos = 0;
  while (pos < data.size()) {
    if (body_remaining_ > 0) {
      const size_t n = std::min<size_t>(body_remaining_, data.size() - pos);
      body_remaining_ -= static_cast<uint32_t>(n);
      pos += n;
      continue;
    }
    header_.push_back(data[pos++]);
    auto decoded = mqtt::decodeFixedHeader(header_, kMaxMqttPacket);
    if (!decoded) {
      lost_ = true;
      return false;
    }
    if (!decoded->has_value()) continue;
    const mqtt::FixedHeader& h = **decoded;
    if (h.type == mqtt::PacketType::kConnack) connack_seen_ = true;
    if (on_packet) on_packet(h.type);
    body_remaining_ = h.remaining_length;
    header_.clear();
  }
  return true;
}

}  // namespace mqttd
