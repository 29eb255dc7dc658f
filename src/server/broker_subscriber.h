// BrokerSubscriber: the gateway's own MQTT session at the upstream broker, holding the topic
// filters of the `source: broker` routes (docs/routing.md, issue 7). It reconnects with jittered
// exponential backoff after any loss and resubscribes, and hands every application message the
// broker delivers to one callback as an mqttd::Message (transport "broker").
// Single-threaded: every call and callback happens on the loop given to the constructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "client/mqtt_client.h"
#include "client/tcp_client_transport.h"
#include "core/clock.h"
#include "core/event_loop.h"
#include "mqttd/message.h"
#include "net/socket_address.h"

namespace mqttd {

class BrokerSubscriber {
 public:
  // Runs on `loop`; `on_message` is called on it for every application message. Neither
  // on_message nor anything else may destroy this object from inside on_message.
  BrokerSubscriber(EventLoop& loop, std::string client_id,
                   std::function<void(Message)> on_message);
  // Closes at once: the socket is closed (FIN) without waiting for the loop. To end the session
  // with a DISCONNECT, call configure(broker, {}) while the loop still runs (e.g. at drain).
  ~BrokerSubscriber();
  BrokerSubscriber(const BrokerSubscriber&) = delete;
  BrokerSubscriber& operator=(const BrokerSubscriber&) = delete;

  // Sets the broker and the (filter, max QoS 0..2) list to hold. Duplicate filters keep their
  // highest QoS; invalid filters (and QoS > 2) are logged as errors and skipped. An empty list
  // (after skipping) sends DISCONNECT and stays idle. Same broker: SUBSCRIBE for added filters
  // (or a changed QoS) and UNSUBSCRIBE for removed ones on the live session; another broker:
  // closes this session and connects there at once. May be called at any time.
  void configure(const SocketAddress& broker,
                 std::vector<std::pair<std::string, uint8_t>> filters);

  // CONNACK received and every SUBSCRIBE/UNSUBSCRIBE of this session acknowledged, so the
  // broker holds exactly the configured filters (less those it refused with 0x80).
  bool connected() const;
  // Sessions (CONNACK received) started after the first one (metrics, tests).
  uint64_t reconnects() const { return sessions_ > 0 ? sessions_ - 1 : 0; }
  // Connection attempts made so far, failed ones included.
  uint64_t attempts() const { return attempts_; }

 private:
  // One MQTT connection attempt / session. The client borrows the transport: declared after
  // it, so it is destroyed first.
  struct Session {
    std::unique_ptr<client::TcpClientTransport> transport;
    std::unique_ptr<client::MqttClient> client;
    bool up = false;                                 // CONNACK received
    SteadyClock::time_point up_since;                // when CONNACK arrived
    std::map<std::string, uint8_t> held;             // filters SUBSCRIBEd (or sent) here
    std::map<uint16_t, std::vector<std::string>> subscribing;  // packet id -> its filters
    size_t unsubscribing = 0;                        // UNSUBSCRIBEs awaiting UNSUBACK
  };

  void startSession();
  void onConnected(Session* s);
  void onMessage(Session* s, const client::MqttMessage& m);
  void onSubscribed(Session* s, uint16_t packet_id, const std::vector<uint8_t>& codes);
  void onUnsubscribed(Session* s);
  void onClosed(Session* s, const client::MqttClose& close);
  void onEstablishTimeout();
  // The current attempt or session ended (or could not start): log once per outage, retry.
  void lost(bool was_up, SteadyClock::duration lasted, const std::string& why);
  // Brings the live session's subscriptions in line with wanted_.
  void sync(Session& s);
  // Ends the current session (DISCONNECT if it is up); its callbacks no longer count.
  void dropCurrent();
  void scheduleRetry();
  // Moves `s` out of current_/closing_ into retired_, destroyed by reap_ after this callback.
  void retire(Session* s);

  EventLoop& loop_;
  std::string client_id_;
  std::function<void(Message)> on_message_;
  SocketAddress broker_;                   // where to connect; empty until configure()
  std::string broker_text_;                // broker_ as "ip:port" (Message::peer, logs)
  std::map<std::string, uint8_t> wanted_;  // filter -> max QoS, as configured

  std::unique_ptr<Session> current_;                 // the session in use, if any
  std::vector<std::unique_ptr<Session>> closing_;    // old sessions finishing their DISCONNECT
  std::vector<std::unique_ptr<Session>> retired_;    // closed; destroyed by reap_
  Deferred reap_;     // destroys retired_ outside their callbacks (style habit 6)
  Timer retry_;       // next connection attempt
  Timer establish_;   // bounds TCP connect + CONNACK of one attempt

  std::chrono::milliseconds backoff_;  // next retry delay before jitter, 100 ms .. 30 s
  std::minstd_rand rng_;               // jitter
  bool outage_ = false;                // a warning for the current outage was logged
  SteadyClock::time_point outage_since_;
  uint64_t outage_attempts_ = 0;       // failed attempts in the current outage
  uint64_t attempts_ = 0;
  uint64_t sessions_ = 0;              // sessions that reached CONNACK
};

}  // namespace mqttd
