// PublishHeader: the variable header of a PUBLISH, decoded from a growing body prefix so
// that the payload can be streamed without buffering it (3.1.1 §3.3.2, 5.0 §3.3.2).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"
#include "mqtt/properties.h"

namespace mqttd::mqtt {

struct PublishHeader {
  std::string_view topic;       // empty only in 5.0 with a topic alias
  uint8_t qos = 0;              // 0..2, from the fixed-header flags
  bool retain = false;          // fixed-header flag bit 0
  bool dup = false;             // fixed-header flag bit 3; 0 for QoS 0 [MQTT-3.3.1-2]
  uint16_t packet_id = 0;       // non-zero when qos > 0, else 0 [MQTT-2.3.1-1]
  Properties properties;        // 5.0 only
  uint32_t header_length = 0;   // bytes of the body before the payload
  uint32_t payload_length = 0;  // remaining length - header_length
};

// Splits the fixed-header flags of a PUBLISH into qos/retain/dup (qos 3 -> kInvalidQos).
[[nodiscard]] Result<void, CodecError> applyPublishFlags(uint8_t flags, PublishHeader& out);

// `body_prefix`: the first bytes of the body (anything past remaining_length is ignored).
// ok(nullopt): the prefix does not hold the whole variable header yet. A length field that
// runs past the remaining length is an error at once (kTruncated), not "need more".
// The views in the result point into `body_prefix`.
[[nodiscard]] Result<std::optional<PublishHeader>, CodecError> decodePublishHeader(
    const FixedHeader& header, std::span<const uint8_t> body_prefix, ProtocolVersion version);

}  // namespace mqttd::mqtt
