#include "client/mqtt_client.h"

#include <chrono>

#include "core/log.h"
#include "mqtt/property_builder.h"
#include "mqtt/reason_code.h"

namespace mqttd::client {
namespace {

using mqtt::PacketType;
using mqtt::ProtocolVersion;

// How long disconnect() waits for the server to close after our DISCONNECT.
constexpr auto kDisconnectLinger = std::chrono::seconds(2);

std::string_view v5ReasonText(uint8_t code) {
  switch (code) {
    case 0x80: return "unspecified error";
    case 0x81: return "malformed packet";
    case 0x82: return "protocol error";
    case 0x83: return "implementation specific error";
    case 0x84: return "unsupported protocol version";
    case 0x85: return "client identifier not valid";
    case 0x86: return "bad user name or password";
    case 0x87: return "not authorised";
    case 0x88: return "server unavailable";
    case 0x89: return "server busy";
    case 0x8A: return "banned";
    case 0x8C: return "bad authentication method";
    case 0x90: return "topic name invalid";
    case 0x95: return "packet too large";
    case 0x97: return "quota exceeded";
    case 0x99: return "payload format invalid";
    case 0x9A: return "retain not supported";
    case 0x9B: return "QoS not supported";
    case 0x9C: return "use another server";
    case 0x9D: return "server moved";
    case 0x9F: return "connection rate exceeded";
    default: return "";
  }
}

}  // namespace

std::string_view toString(MqttCloseReason reason) {
  switch (reason) {
    case MqttCloseReason::kDisconnected: return "disconnected";
    case MqttCloseReason::kConnackRefused: return "connection refused by the server";
    case MqttCloseReason::kTransportClosed: return "transport closed";
    case MqttCloseReason::kServerDisconnected: return "disconnected by the server";
    case MqttCloseReason::kProtocolError: return "protocol error";
    case MqttCloseReason::kKeepaliveTimeout: return "keepalive timeout";
  }
  return "unknown";
}

std::string describeConnack(ProtocolVersion version, uint8_t code) {
  if (code == 0) return "Connection Accepted.";
  if (!mqtt::isV5(version)) {
    // MQTT 3.1.1 §3.2.2.3, Table 3.1.
    switch (code) {
      case 1: return "Connection Refused: unacceptable protocol version.";
      case 2: return "Connection Refused: identifier rejected.";
      case 3: return "Connection Refused: server unavailable.";
      case 4: return "Connection Refused: bad user name or password.";
      case 5: return "Connection Refused: not authorised.";
      default: return "Connection Refused: unknown reason " + std::to_string(code) + ".";
    }
  }
  const std::string_view text = v5ReasonText(code);
  if (text.empty()) return "Connection Refused: reason code " + std::to_string(code) + ".";
  return "Connection Refused: " + std::string(text) + ".";
}

MqttClient::MqttClient(EventLoop& loop, ClientTransport& transport, MqttClientOptions options,
                       Callbacks callbacks)
    : transport_(transport),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      keepalive_(loop, [this] { onKeepalive(); }),
      disconnect_linger_(loop, [this] { transport_.close(); }) {}

Result<void, std::string> MqttClient::connect(const SocketAddress& peer) {
  if (state_ != State::kIdle) return fail(std::string("connect() called twice"));
  if (!mqtt::isV5(options_.version) && options_.client_id.empty() && !options_.clean_start) {
    return fail(std::string("an empty client id needs a clean session [MQTT-3.1.3-7]"));
  }
  state_ = State::kTransportConnecting;
  auto r = transport_.connect(peer, {
                                        .on_connected = [this] { onTransportConnected(); },
                                        .on_data = [this](std::span<const uint8_t> d) {
                                          onTransportData(d);
                                        },
                                        .on_fin = [this] { onTransportFin(); },
                                        .on_closed = [this](const TransportClose& c) {
                                          onTransportClosed(c);
                                        },
                                    });
  if (!r) {
    state_ = State::kIdle;
    return fail(r.error());
  }
  return {};
}

void MqttClient::onTransportConnected() {
  if (state_ != State::kTransportConnecting) return;
  state_ = State::kAwaitConnack;
  sendConnect();
}

void MqttClient::sendConnect() {
  mqtt::ConnectPacket c;
  c.version = options_.version;
  c.clean_start = options_.clean_start;
  c.keep_alive = options_.keep_alive;
  c.client_id = options_.client_id;
  mqtt::PropertyBuilder props;
  if (mqtt::isV5(options_.version) && options_.session_expiry > 0) {
    props.sessionExpiryInterval(options_.session_expiry);
  }
  c.properties = props.view();
  if (options_.will) {
    mqtt::Will w;
    w.qos = options_.will->qos;
    w.retain = options_.will->retain;
    w.topic = options_.will->topic;
    w.payload = options_.will->payload;
    c.will = w;
  }
  if (options_.username) c.username = *options_.username;
  if (options_.password) {
    c.password = std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(options_.password->data()), options_.password->size());
  }
  send(c);
}

void MqttClient::send(const mqtt::Packet& packet) {
  std::vector<uint8_t> out;
  if (auto r = mqtt::encodePacket(packet, options_.version, out); !r) {
    // Our own packet failed to encode: invalid user input reached us (checked by callers).
    Log::error("mqtt client: cannot encode packet",
               {{"type", std::string(mqtt::toString(mqtt::packetType(packet)))},
                {"error", std::string(mqtt::toString(r.error()))}});
    return;
  }
  transport_.write(out);
  if (options_.keep_alive > 0 && state_ != State::kDisconnecting) {
    keepalive_.start(std::chrono::seconds(options_.keep_alive));  // [MQTT-3.1.2-23]
  }
}

void MqttClient::sendAck(PacketType type, uint16_t packet_id) {
  mqtt::AckPacket ack;
  ack.type = type;
  ack.packet_id = packet_id;
  send(ack);
}

void MqttClient::onKeepalive() {
  if (state_ != State::kConnected && state_ != State::kAwaitConnack) return;
  if (ping_outstanding_) {
    // [MQTT-3.1.2-24] seen from the client: the server went quiet for a whole period.
    finish({MqttCloseReason::kKeepaliveTimeout, "no PINGRESP within the keepalive period"});
    return;
  }
  ping_outstanding_ = true;
  send(mqtt::PingPacket{PacketType::kPingreq});
}

std::optional<uint16_t> MqttClient::allocatePacketId() {
  if (used_ids_.size() >= 65535) return std::nullopt;
  while (used_ids_.contains(next_id_)) next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
  const uint16_t id = next_id_;
  next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
  return id;
}

Result<uint16_t, std::string> MqttClient::publish(std::string_view topic,
                                                  std::span<const uint8_t> payload, uint8_t qos,
                                                  bool retain) {
  if (state_ != State::kConnected) return fail(std::string("not connected"));
  if (qos > 2) return fail(std::string("QoS must be 0, 1 or 2"));
  mqtt::PublishPacket p;
  p.topic = topic;
  p.qos = qos;
  p.retain = retain;
  p.payload = payload;
  if (qos > 0) {
    auto id = allocatePacketId();
    if (!id) return fail(std::string("all 65535 packet identifiers are in use"));
    p.packet_id = *id;
  }
  std::vector<uint8_t> out;
  if (auto r = p.encode(options_.version, out); !r) {
    return fail("cannot encode PUBLISH: " + std::string(mqtt::toString(r.error())));
  }
  if (qos > 0) used_ids_[p.packet_id] = qos == 1 ? Outgoing::kAwaitPuback : Outgoing::kAwaitPubrec;
  transport_.write(out);
  if (options_.keep_alive > 0) keepalive_.start(std::chrono::seconds(options_.keep_alive));
  return p.packet_id;
}

Result<uint16_t, std::string> MqttClient::subscribe(
    const std::vector<std::pair<std::string, uint8_t>>& filters) {
  if (state_ != State::kConnected) return fail(std::string("not connected"));
  if (filters.empty()) return fail(std::string("no topic filter"));
  auto id = allocatePacketId();
  if (!id) return fail(std::string("all 65535 packet identifiers are in use"));
  mqtt::SubscribePacket s;
  s.packet_id = *id;
  for (const auto& [filter, qos] : filters) {
    mqtt::Subscription sub;
    sub.filter = filter;
    sub.qos = qos;
    s.subscriptions.push_back(sub);
  }
  std::vector<uint8_t> out;
  if (auto r = s.encode(options_.version, out); !r) {
    return fail("cannot encode SUBSCRIBE: " + std::string(mqtt::toString(r.error())));
  }
  used_ids_[*id] = Outgoing::kAwaitSuback;
  transport_.write(out);
  return *id;
}

Result<uint16_t, std::string> MqttClient::unsubscribe(const std::vector<std::string>& filters) {
  if (state_ != State::kConnected) return fail(std::string("not connected"));
  if (filters.empty()) return fail(std::string("no topic filter"));
  auto id = allocatePacketId();
  if (!id) return fail(std::string("all 65535 packet identifiers are in use"));
  mqtt::UnsubscribePacket u;
  u.packet_id = *id;
  for (const auto& f : filters) u.filters.push_back(f);
  std::vector<uint8_t> out;
  if (auto r = u.encode(options_.version, out); !r) {
    return fail("cannot encode UNSUBSCRIBE: " + std::string(mqtt::toString(r.error())));
  }
  used_ids_[*id] = Outgoing::kAwaitUnsuback;
  transport_.write(out);
  return *id;
}

void MqttClient::disconnect() {
  if (state_ == State::kClosed || state_ == State::kDisconnecting) return;
  if (!close_) close_ = MqttClose{MqttCloseReason::kDisconnected, "disconnected"};
  if (state_ == State::kConnected || state_ == State::kAwaitConnack) {
    send(mqtt::DisconnectPacket{});
    state_ = State::kDisconnecting;
    keepalive_.stop();
    transport_.shutdownWrite();
    disconnect_linger_.start(kDisconnectLinger);
    return;
  }
  state_ = State::kDisconnecting;
  transport_.close();
}

void MqttClient::onTransportData(std::span<const uint8_t> data) {
  if (state_ == State::kClosed) return;
  rx_.insert(rx_.end(), data.begin(), data.end());
  size_t offset = 0;
  while (state_ != State::kClosed) {
    std::span<const uint8_t> rest(rx_.data() + offset, rx_.size() - offset);
    auto header = mqtt::decodeFixedHeader(rest, mqtt::kMaxPacketSizeLimit);
    if (!header) {
      protocolError("bad packet from the server: " + std::string(mqtt::toString(header.error())));
      return;
    }
    if (!header->has_value() || rest.size() < (*header)->packetSize()) break;
    const mqtt::FixedHeader h = **header;
    auto packet = mqtt::decodePacket(h, rest.subspan(h.size, h.remaining_length), options_.version);
    if (!packet) {
      protocolError("bad " + std::string(mqtt::toString(h.type)) + " from the server: " +
                    std::string(mqtt::toString(packet.error())));
      return;
    }
    handlePacket(h, *packet);  // views into rx_ stay valid: rx_ is not touched meanwhile
    offset += h.packetSize();
  }
  if (state_ != State::kClosed) rx_.erase(rx_.begin(), rx_.begin() + static_cast<ptrdiff_t>(offset));
}

void MqttClient::handlePacket(const mqtt::FixedHeader& header, mqtt::Packet& packet) {
  if (state_ == State::kAwaitConnack) {
    auto* connack = std::get_if<mqtt::ConnackPacket>(&packet);
    if (connack == nullptr) {
      protocolError("expected CONNACK, got " + std::string(mqtt::toString(header.type)));
      return;
    }
    if (connack->reason_code != 0) {
      finish({MqttCloseReason::kConnackRefused,
              describeConnack(options_.version, connack->reason_code), connack->reason_code});
      return;
    }
    state_ = State::kConnected;
    if (callbacks_.on_connected) callbacks_.on_connected(connack->session_present);
    return;
  }
  if (state_ != State::kConnected && state_ != State::kDisconnecting) return;
  std::visit(
      [&](auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, mqtt::PublishPacket>) {
          handlePublish(p);
        } else if constexpr (std::is_same_v<T, mqtt::AckPacket>) {
          handleAck(p);
        } else if constexpr (std::is_same_v<T, mqtt::SubackPacket>) {
          auto it = used_ids_.find(p.packet_id);
          if (it == used_ids_.end() || it->second != Outgoing::kAwaitSuback) {
            protocolError("SUBACK for unknown packet id " + std::to_string(p.packet_id));
            return;
          }
          used_ids_.erase(it);
          if (callbacks_.on_subscribed) {
            callbacks_.on_subscribed(p.packet_id, {p.reason_codes.begin(), p.reason_codes.end()});
          }
        } else if constexpr (std::is_same_v<T, mqtt::UnsubackPacket>) {
          auto it = used_ids_.find(p.packet_id);
          if (it == used_ids_.end() || it->second != Outgoing::kAwaitUnsuback) {
            protocolError("UNSUBACK for unknown packet id " + std::to_string(p.packet_id));
            return;
          }
          used_ids_.erase(it);
          if (callbacks_.on_unsubscribed) callbacks_.on_unsubscribed(p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::PingPacket>) {
          if (p.type == PacketType::kPingresp) ping_outstanding_ = false;
        } else if constexpr (std::is_same_v<T, mqtt::DisconnectPacket>) {
          finish({MqttCloseReason::kServerDisconnected,
                  "the server sent DISCONNECT (reason " + std::to_string(p.reason_code) + ")",
                  p.reason_code});
        } else {
          protocolError("unexpected " + std::string(mqtt::toString(header.type)) +
                        " from the server");
        }
      },
      packet);
}

void MqttClient::handlePublish(const mqtt::PublishPacket& p) {
  MqttMessage m{std::string(p.topic), {p.payload.begin(), p.payload.end()}, p.qos, p.retain, p.dup};
  switch (p.qos) {
    case 0:
      break;
    case 1:
      sendAck(PacketType::kPuback, p.packet_id);  // [MQTT-4.3.2-2]
      break;
    case 2:
      // Method B of [MQTT-4.3.3-2]: deliver on first receipt, PUBREC every time, remember the
      // id until PUBREL so a retransmission is not delivered twice.
      sendAck(PacketType::kPubrec, p.packet_id);
      if (!incoming_qos2_.insert(p.packet_id).second) return;
      break;
  }
  if (callbacks_.on_message && state_ != State::kClosed) callbacks_.on_message(m);
}

void MqttClient::handleAck(const mqtt::AckPacket& ack) {
  if (ack.type == PacketType::kPubrel) {
    incoming_qos2_.erase(ack.packet_id);
    sendAck(PacketType::kPubcomp, ack.packet_id);  // also for unknown ids [MQTT-4.3.3-11]
    return;
  }
  auto it = used_ids_.find(ack.packet_id);
  const Outgoing expected = ack.type == PacketType::kPuback   ? Outgoing::kAwaitPuback
                            : ack.type == PacketType::kPubrec ? Outgoing::kAwaitPubrec
                                                              : Outgoing::kAwaitPubcomp;
  if (it == used_ids_.end() || it->second != expected) {
    if (ack.type == PacketType::kPubrec && it == used_ids_.end()) return;  // duplicate, ignore
    protocolError(std::string(mqtt::toString(ack.type)) + " for unknown packet id " +
                  std::to_string(ack.packet_id));
    return;
  }
  if (ack.type == PacketType::kPubrec && ack.reason_code < 0x80) {
    it->second = Outgoing::kAwaitPubcomp;
    mqtt::AckPacket rel;
    rel.type = PacketType::kPubrel;
    rel.packet_id = ack.packet_id;
    send(rel);
    return;
  }
  used_ids_.erase(it);
  if (callbacks_.on_published) callbacks_.on_published(ack.packet_id, ack.reason_code);
}

void MqttClient::onTransportFin() {
  if (state_ == State::kClosed) return;
  if (state_ == State::kDisconnecting) {
    transport_.close();  // the server finished too: done
    return;
  }
  if (!close_) {
    close_ = state_ == State::kAwaitConnack
                 ? MqttClose{MqttCloseReason::kServerDisconnected,
                             "the server closed the connection before CONNACK"}
                 : MqttClose{MqttCloseReason::kServerDisconnected,
                             "the server closed the connection"};
  }
  state_ = State::kDisconnecting;
  transport_.close();
}

void MqttClient::onTransportClosed(const TransportClose& close) {
  keepalive_.stop();
  disconnect_linger_.stop();
  if (!close_) {
    MqttClose c{MqttCloseReason::kTransportClosed, close.text};
    c.transport = close;
    if (close.reason == TransportCloseReason::kClosedByPeer) {
      c.reason = MqttCloseReason::kServerDisconnected;
    }
    close_ = std::move(c);
  } else if (!close_->transport) {
    close_->transport = close;
  }
  state_ = State::kClosed;
  if (!reported_) {
    reported_ = true;
    if (callbacks_.on_closed) callbacks_.on_closed(*close_);
  }
}

void MqttClient::protocolError(std::string text) {
  finish({MqttCloseReason::kProtocolError, std::move(text)});
}

void MqttClient::finish(MqttClose close) {
  if (state_ == State::kClosed || state_ == State::kDisconnecting) {
    if (!close_) close_ = std::move(close);
    return;
  }
  close_ = std::move(close);
  state_ = State::kDisconnecting;
  keepalive_.stop();
  transport_.close();  // on_closed follows from onTransportClosed
}

}  // namespace mqttd::client
