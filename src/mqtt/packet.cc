#include "mqtt/packet.h"

#include <type_traits>

namespace mqttd::mqtt {
namespace {

template <typename T>
Result<Packet, CodecError> wrap(Result<T, CodecError> decoded) {
  if (!decoded) return fail(decoded.error());
  return Packet(std::move(decoded).value());
}

}  // namespace

Result<Packet, CodecError> decodePacket(const FixedHeader& header, std::span<const uint8_t> body,
                                        ProtocolVersion version) {
  if (body.size() != header.remaining_length) return fail(CodecError::kLengthMismatch);
  if (auto flags = validateFlags(header.type, header.flags); !flags) return fail(flags.error());
  switch (header.type) {
    case PacketType::kConnect: return wrap(ConnectPacket::decode(body));
    case PacketType::kConnack: return wrap(ConnackPacket::decode(body, version));
    case PacketType::kPublish: return wrap(PublishPacket::decode(header, body, version));
    case PacketType::kPuback:
    case PacketType::kPubrec:
    case PacketType::kPubrel:
    case PacketType::kPubcomp: return wrap(AckPacket::decode(header, body, version));
    case PacketType::kSubscribe: return wrap(SubscribePacket::decode(body, version));
    case PacketType::kSuback: return wrap(SubackPacket::decode(body, version));
    case PacketType::kUnsubscribe: return wrap(UnsubscribePacket::decode(body, version));
    case PacketType::kUnsuback: return wrap(UnsubackPacket::decode(body, version));
    case PacketType::kPingreq:
    case PacketType::kPingresp: return wrap(PingPacket::decode(header, body));
    case PacketType::kDisconnect: return wrap(DisconnectPacket::decode(body, version));
    case PacketType::kAuth: return wrap(AuthPacket::decode(body, version));
  }
  return fail(CodecError::kReservedPacketType);
}

Result<void, CodecError> encodePacket(const Packet& packet, ProtocolVersion version,
                                      std::vector<uint8_t>& out) {
  return std::visit(
      [&](const auto& p) -> Result<void, CodecError> {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, ConnectPacket> || std::is_same_v<T, PingPacket>) {
          return p.encode(out);
        } else {
          return p.encode(version, out);
        }
      },
      packet);
}

PacketType packetType(const Packet& packet) {
  return std::visit(
      [](const auto& p) -> PacketType {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, ConnectPacket>) return PacketType::kConnect;
        if constexpr (std::is_same_v<T, ConnackPacket>) return PacketType::kConnack;
        if constexpr (std::is_same_v<T, PublishPacket>) return PacketType::kPublish;
        if constexpr (std::is_same_v<T, AckPacket> || std::is_same_v<T, PingPacket>) {
          return p.type;
        }
        if constexpr (std::is_same_v<T, SubscribePacket>) return PacketType::kSubscribe;
        if constexpr (std::is_same_v<T, SubackPacket>) return PacketType::kSuback;
        if constexpr (std::is_same_v<T, UnsubscribePacket>) return PacketType::kUnsubscribe;
        if constexpr (std::is_same_v<T, UnsubackPacket>) return PacketType::kUnsuback;
        if constexpr (std::is_same_v<T, DisconnectPacket>) return PacketType::kDisconnect;
        if constexpr (std::is_same_v<T, AuthPacket>) return PacketType::kAuth;
      },
      packet);
}

}  // namespace mqttd::mqtt
