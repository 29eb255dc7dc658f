// MqttTap: parses the client -> broker byte stream packet by packet on its way through.
// Control packets are assembled and fully validated before a byte of them is forwarded;
// PUBLISH headers are validated and the payload then streams through without being buffered,
// so memory per connection stays bounded while a 10 MB message passes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"

struct evbuffer;

namespace mqttd {

struct TapError {
  enum class Kind {
    kMalformed,          // a packet that does not decode (see codec)
    kTooLarge,           // a packet above the configured maximum size
    kProtocolViolation,  // packet order broken, e.g. no CONNECT first [MQTT-3.1.0-1]
  };
  Kind kind;
  std::string detail;  // human-readable, for the log
};

class MqttTap {
 public:
  explicit MqttTap(uint32_t max_packet_size) : max_packet_size_(max_packet_size) {}

  // Consumes bytes from `in` and appends what may be forwarded to `out` (nullptr: drop them).
  // Returns how many bytes of `in` were consumed (all of them unless an error occurred).
  Result<size_t, TapError> process(std::span<const uint8_t> in, evbuffer* out);

  // Called once per packet when its type is known (for metrics).
  std::function<void(mqtt::PacketType)> on_packet;

  bool connectSeen() const { return connect_seen_; }
  mqtt::ProtocolVersion version() const { return version_; }
  const std::string& clientId() const { return client_id_; }
  uint16_t keepAlive() const { return keep_alive_; }  // from the CONNECT, seconds
  // True between packets (nothing partial has been forwarded).
  bool atPacketBoundary() const { return state_ == State::kFixedHeader && buf_.empty(); }

 private:
  enum class State {
    kFixedHeader,    // collecting the 2..5 byte fixed header
    kBody,           // collecting a whole control packet
    kPublishHeader,  // collecting a PUBLISH variable header
    kPayload,        // streaming a PUBLISH payload
  };

  Result<void, TapError> onFixedHeader();
  Result<void, TapError> onControlPacket(evbuffer* out);
  void emit(evbuffer* out, const uint8_t* data, size_t n);
  void reset();

  uint32_t max_packet_size_;        // bytes, whole packet
  State state_ = State::kFixedHeader;
  std::vector<uint8_t> buf_;        // the packet being assembled, fixed header included
  mqtt::FixedHeader header_{};      // valid outside kFixedHeader
  uint32_t payload_remaining_ = 0;  // kPayload: bytes still to stream
  bool connect_seen_ = false;
  mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::kV311;
  std::string client_id_;
  uint16_t keep_alive_ = 0;
};

}  // namespace mqttd
