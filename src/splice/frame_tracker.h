// FrameTracker: follows MQTT packet boundaries in the broker -> client stream without buffering
// or validating it (the broker is trusted), to count packets and to know when the broker has
// answered CONNECT and when a packet the gateway itself writes would not split another one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "mqtt/fixed_header.h"

namespace mqttd {

class FrameTracker {
 public:
  // Follows `data`; returns false if the stream stops looking like MQTT (then stop tracking).
  bool follow(std::span<const uint8_t> data);

  std::function<void(mqtt::PacketType)> on_packet;  // once per packet, at its fixed header

  bool connackSeen() const { return connack_seen_; }
  bool atPacketBoundary() const { return header_.empty() && body_remaining_ == 0; }
  // Bytes to the end of the current packet when its fixed header has been seen; 0 at a boundary
  // or inside a fixed header (then unknown).
  size_t bytesToBoundary() const { return header_.empty() ? body_remaining_ : 0; }

 private:
  std::vector<uint8_t> header_;  // partial fixed header, at most 5 bytes
  uint32_t body_remaining_ = 0;  // bytes of the current packet still to come
  bool connack_seen_ = false;
  bool lost_ = false;            // framing lost; boundaries unknown from here on
};

}  // namespace mqttd
