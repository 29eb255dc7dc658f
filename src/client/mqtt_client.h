// MqttClient: an asynchronous MQTT 3.1.1 / 5.0 client over a ClientTransport (TCP or QUIC):
// CONNECT/CONNACK, PUBLISH with the QoS 1 and 2 flows both ways, SUBSCRIBE/UNSUBSCRIBE,
// keepalive PINGREQ, DISCONNECT. Packets are built and parsed with src/mqtt.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "client/client_transport.h"
#include "core/event_loop.h"
#include "mqtt/packet.h"

namespace mqttd::client {

struct MqttClientOptions {
  mqtt::ProtocolVersion version = mqtt::ProtocolVersion::kV311;
  std::string client_id;      // empty: the server assigns one (needs clean_start in 3.1.1)
  bool clean_start = true;    // "clean session" in 3.1.1
  uint16_t keep_alive = 60;   // seconds, 0..65535; 0 disables PINGREQ [MQTT-3.1.2-23]
  std::optional<std::string> username;
  std::optional<std::string> password;
  struct Will {
    std::string topic;
    std::vector<uint8_t> payload;
    uint8_t qos = 0;  // 0..2
    bool retain = false;
  };
  std::optional<Will> will;
  uint32_t session_expiry = 0;  // 5.0 Session Expiry Interval, seconds
};

struct MqttMessage {
  std::string topic;
  std::vector<uint8_t> payload;
  uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
};

enum class MqttCloseReason {
  kDisconnected,        // disconnect() completed
  kConnackRefused,      // CONNACK carried a non-zero return/reason code
  kTransportClosed,     // the transport ended (refused, TLS, timeout...): see `transport`
  kServerDisconnected,  // the server sent DISCONNECT (5.0) or ended the stream
  kProtocolError,       // the server sent a malformed or unexpected packet
  kKeepaliveTimeout,    // no PINGRESP within the keepalive period [MQTT-3.1.2-24]
};

std::string_view toString(MqttCloseReason reason);

struct MqttClose {
  MqttClose() = default;
  MqttClose(MqttCloseReason r, std::string t, uint8_t c = 0) : reason(r), text(std::move(t)), code(c) {}

  MqttCloseReason reason = MqttCloseReason::kDisconnected;
  std::string text;                         // one line for the user
  uint8_t code = 0;                         // CONNACK / DISCONNECT code when relevant
  std::optional<TransportClose> transport;  // set for kTransportClosed
};

// "Connection Refused: server unavailable." for CONNACK codes (3.1.1 return code or 5.0
// reason code), worded like mosquitto's clients.
std::string describeConnack(mqtt::ProtocolVersion version, uint8_t code);

class MqttClient {
 public:
  struct Callbacks {
    std::function<void(bool session_present)> on_connected;   // CONNACK 0x00
    std::function<void(const MqttMessage&)> on_message;       // an application message
    // QoS 1: PUBACK; QoS 2: PUBCOMP (or a PUBREC >= 0x80 in 5.0). Not called for QoS 0.
    std::function<void(uint16_t packet_id, uint8_t reason_code)> on_published;
    std::function<void(uint16_t packet_id, std::vector<uint8_t> codes)> on_subscribed;
    std::function<void(uint16_t packet_id)> on_unsubscribed;
    std::function<void(const MqttClose&)> on_closed;          // last callback, once
  };

  // Borrows `transport`, which must outlive this client. Do not destroy either inside a
  // callback (style habit 6): use EventLoop::callLater.
  MqttClient(EventLoop& loop, ClientTransport& transport, MqttClientOptions options,
             Callbacks callbacks);
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Connects the transport; CONNECT goes out as soon as it is up.
  [[nodiscard]] Result<void, std::string> connect(const SocketAddress& peer);
  // Returns the packet identifier (0 for QoS 0). Allowed once connected.
  [[nodiscard]] Result<uint16_t, std::string> publish(std::string_view topic,
                                                      std::span<const uint8_t> payload,
                                                      uint8_t qos, bool retain);
  [[nodiscard]] Result<uint16_t, std::string> subscribe(
      const std::vector<std::pair<std::string, uint8_t>>& filters);
  [[nodiscard]] Result<uint16_t, std::string> unsubscribe(const std::vector<std::string>& filters);
  // Sends DISCONNECT and FIN, waits (bounded) for the server to finish, then closes.
  void disconnect();

  bool isConnected() const { return state_ == State::kConnected; }
  // Outgoing QoS 1/2 publishes, subscribes and unsubscribes awaiting their ack.
  size_t inflight() const { return used_ids_.size(); }
  mqtt::ProtocolVersion version() const { return options_.version; }

 private:
  enum class State { kIdle, kTransportConnecting, kAwaitConnack, kConnected, kDisconnecting, kClosed };
  enum class Outgoing {
    kAwaitPuback,    // QoS 1 PUBLISH sent
    kAwaitPubrec,    // QoS 2 PUBLISH sent
    kAwaitPubcomp,   // QoS 2 PUBREL sent
    kAwaitSuback,
    kAwaitUnsuback,
  };

  void onTransportConnected();
  void onTransportData(std::span<const uint8_t> data);
  void onTransportFin();
  void onTransportClosed(const TransportClose& close);
  void handlePacket(const mqtt::FixedHeader& header, mqtt::Packet& packet);
  void handlePublish(const mqtt::PublishPacket& p);
  void handleAck(const mqtt::AckPacket& ack);
  void sendConnect();
  void send(const mqtt::Packet& packet);
  void sendAck(mqtt::PacketType type, uint16_t packet_id);
  void onKeepalive();
  [[nodiscard]] std::optional<uint16_t> allocatePacketId();
  void protocolError(std::string text);
  // Ends the session: closes the transport (if not already) and reports `close` once.
  void finish(MqttClose close);

  ClientTransport& transport_;  // borrowed
  MqttClientOptions options_;
  Callbacks callbacks_;
  State state_ = State::kIdle;
  std::optional<MqttClose> close_;  // what on_closed will report once the transport is down
  bool reported_ = false;           // on_closed delivered

  std::vector<uint8_t> rx_;  // received bytes not yet parsed into a whole packet
  Timer keepalive_;          // re-armed on every send; fires after keep_alive idle seconds
  Timer disconnect_linger_;  // bounds disconnect() waiting for the server to close
  bool ping_outstanding_ = false;

  uint16_t next_id_ = 1;                   // next packet identifier to try, 1..65535
  std::map<uint16_t, Outgoing> used_ids_;  // our packet ids awaiting an ack
  std::set<uint16_t> incoming_qos2_;       // PUBREC sent, PUBREL not yet received
};

}  // namespace mqttd::client
