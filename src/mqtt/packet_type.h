// PacketType and ProtocolVersion: the two enums every MQTT decoder dispatches on.
#pragma once

#include <cstdint>
#include <string_view>

namespace mqttd::mqtt {

// MQTT 5.0 §2.1.2 (same values in 3.1 and 3.1.1; AUTH is 5.0 only). 0 is reserved.
enum class PacketType : uint8_t {
  kConnect = 1,       // client -> server: connection request
  kConnack = 2,       // server -> client: connect acknowledgment
  kPublish = 3,       // both: application message
  kPuback = 4,        // both: QoS 1 acknowledgment
  kPubrec = 5,        // both: QoS 2 delivery part 1
  kPubrel = 6,        // both: QoS 2 delivery part 2
  kPubcomp = 7,       // both: QoS 2 delivery part 3
  kSubscribe = 8,     // client -> server: subscribe request
  kSuback = 9,        // server -> client: subscribe acknowledgment
  kUnsubscribe = 10,  // client -> server: unsubscribe request
  kUnsuback = 11,     // server -> client: unsubscribe acknowledgment
  kPingreq = 12,      // client -> server: keepalive request
  kPingresp = 13,     // server -> client: keepalive response
  kDisconnect = 14,   // both (server -> client only in 5.0): disconnect notification
  kAuth = 15,         // both, 5.0 only: authentication exchange
};

// The protocol level byte of CONNECT [MQTT-3.1.2-2].
enum class ProtocolVersion : uint8_t {
  kV31 = 3,   // MQTT 3.1 (protocol name "MQIsdp")
  kV311 = 4,  // MQTT 3.1.1
  kV5 = 5,    // MQTT 5.0
};

std::string_view toString(PacketType type);
std::string_view toString(ProtocolVersion version);

inline bool isV5(ProtocolVersion version) {
  return version == ProtocolVersion::kV5;
}

}  // namespace mqttd::mqtt
