// PublishPacket: view of a whole PUBLISH (3.1.1 §3.3, 5.0 §3.3); payload not copied.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct PublishPacket {
  std::string_view topic;  // empty only in 5.0 with a topic alias
  uint8_t qos = 0;         // 0..2
  bool retain = false;
  bool dup = false;                  // must be false for QoS 0 [MQTT-3.3.1-2]
  uint16_t packet_id = 0;            // non-zero when qos > 0; ignored for QoS 0
  Properties properties;             // 5.0 only
  std::span<const uint8_t> payload;  // application message, may be empty

  // `body` must be exactly header.remaining_length bytes.
  [[nodiscard]] static Result<PublishPacket, CodecError> decode(const FixedHeader& header,
                                                                std::span<const uint8_t> body,
                                                                ProtocolVersion version);
  // Appends the whole packet; properties are dropped before 5.0.
  [[nodiscard]] Result<void, CodecError> encode(ProtocolVersion version,
                                                std::vector<uint8_t>& out) const;
};

}  // namespace mqttd::mqtt
