#include "mqtt/packet_type.h"

namespace mqttd::mqtt {

std::string_view toString(PacketType type) {
  switch (type) {
    case PacketType::kConnect: return "CONNECT";
    case PacketType::kConnack: return "CONNACK";
    case PacketType::kPublish: return "PUBLISH";
    case PacketType::kPuback: return "PUBACK";
    case PacketType::kPubrec: return "PUBREC";
    case PacketType::kPubrel: return "PUBREL";
    case PacketType::kPubcomp: return "PUBCOMP";
    case PacketType::kSubscribe: return "SUBSCRIBE";
    case PacketType::kSuback: return "SUBACK";
    case PacketType::kUnsubscribe: return "UNSUBSCRIBE";
    case PacketType::kUnsuback: return "UNSUBACK";
    case PacketType::kPingreq: return "PINGREQ";
    case PacketType::kPingresp: return "PINGRESP";
    case PacketType::kDisconnect: return "DISCONNECT";
    case PacketType::kAuth: return "AUTH";
  }
  return "RESERVED";
}

std::string_view toString(ProtocolVersion version) {
  switch (version) {
    case ProtocolVersion::kV31: return "3.1";
    case ProtocolVersion::kV311: return "3.1.1";
    case ProtocolVersion::kV5: return "5.0";
  }
  return "unknown";
}

}  // namespace mqttd::mqtt
