// Packet: any decoded MQTT control packet, as a variant of the typed views.
#pragma once

#include <span>
#include <variant>
#include <vector>

#include "core/result.h"
#include "mqtt/ack_packet.h"
#include "mqtt/auth_packet.h"
#include "mqtt/codec_error.h"
#include "mqtt/connack_packet.h"
#include "mqtt/connect_packet.h"
#include "mqtt/disconnect_packet.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"
#include "mqtt/ping_packet.h"
#include "mqtt/publish_packet.h"
#include "mqtt/suback_packet.h"
#include "mqtt/subscribe_packet.h"
#include "mqtt/unsuback_packet.h"
#include "mqtt/unsubscribe_packet.h"

namespace mqttd::mqtt {

using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, AckPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, UnsubackPacket, PingPacket,
                            DisconnectPacket, AuthPacket>;

// Decodes the packet whose fixed header is `header`; `body` is the bytes after the fixed
// header and must be exactly header.remaining_length long (else kLengthMismatch).
// CONNECT ignores `version` (it carries its own). Views point into `body`.
[[nodiscard]] Result<Packet, CodecError> decodePacket(const FixedHeader& header,
                                                      std::span<const uint8_t> body,
                                                      ProtocolVersion version);

// Appends the encoding of `packet` for `version` (CONNECT uses its own version field).
[[nodiscard]] Result<void, CodecError> encodePacket(const Packet& packet, ProtocolVersion version,
                                                    std::vector<uint8_t>& out);

// The control packet type of a decoded packet.
PacketType packetType(const Packet& packet);

}  // namespace mqttd::mqtt
