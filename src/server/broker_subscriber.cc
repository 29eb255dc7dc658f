#include "server/broker_subscriber.h"

#include <algorithm>

#include "core/log.h"
#include "mqtt/topic.h"

namespace mqttd {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// MQTT keep-alive of the gateway's session, seconds; MqttClient sends PINGREQ after this much
// idle time and gives up when the PINGRESP is a whole period late [MQTT-3.1.2-24].
constexpr uint16_t kKeepAliveSeconds = 30;
// Reconnect backoff: the first retry after 100 ms, doubling per failure up to 30 s, each delay
// scaled by a random factor in [1 - kJitter, 1 + kJitter] so that gateways restarted together
// do not reconnect in step.
constexpr milliseconds kInitialBackoff(100);
constexpr milliseconds kMaxBackoff(30000);
constexpr double kJitter = 0.2;
// A session that stayed up this long resets the backoff to kInitialBackoff.
constexpr std::chrono::seconds kStableSession(30);
// Bounds one attempt from TCP connect to CONNACK: Linux retries a SYN to a black-holed address
// for about 127 s, and a broker may accept but never answer CONNECT.
constexpr std::chrono::seconds kEstablishTimeout(10);
// SUBACK return codes >= 0x80 are failures (3.1.1 §3.9.3: 0x80; 5.0 reason codes >= 0x80).
constexpr uint8_t kSubackFailure = 0x80;

std::string describe(const client::MqttClose& close) {
  std::string text(client::toString(close.reason));
  if (!close.text.empty()) text += ": " + close.text;
  return text;
}

std::string millis(SteadyClock::duration d) {
  return std::to_string(duration_cast<milliseconds>(d).count());
}

}  // namespace

BrokerSubscriber::BrokerSubscriber(EventLoop& loop, std::string client_id,
                                   std::function<void(Message)> on_message)
    : loop_(loop),
      client_id_(std::move(client_id)),
      on_message_(std::move(on_message)),
      reap_(loop, [this] { retired_.clear(); }),
      retry_(loop, [this] { startSession(); }),
      establish_(loop, [this] { onEstablishTimeout(); }),
      backoff_(kInitialBackoff),
      rng_(std::random_device{}()) {}

// Members go in reverse order: the timers first, then the sessions (each client before its
// transport). Nothing calls back while they are destroyed; the sockets close with a FIN. A
// DISCONNECT queued here could not leave before the fd closes (output is written by the loop).
BrokerSubscriber::~BrokerSubscriber() = default;

void BrokerSubscriber::configure(const SocketAddress& broker,
                                 std::vector<std::pair<std::string, uint8_t>> filters) {
  std::map<std::string, uint8_t> wanted;
  for (auto& [filter, qos] : filters) {
    if (qos > 2 || !mqtt::isValidTopicFilter(filter)) {
      Log::error("broker subscription: invalid topic filter skipped",
                 {{"filter", filter}, {"qos", std::to_string(qos)}});
      continue;
    }
    auto [it, inserted] = wanted.emplace(std::move(filter), qos);
    if (!inserted) it->second = std::max(it->second, qos);
  }
  const bool same_broker = !broker_.empty() && broker_ == broker;
  if (current_ && (wanted.empty() || !same_broker)) {
    Log::info("broker subscription: closing session",
              {{"broker", broker_text_},
               {"reason", wanted.empty() ? "no topic filters" : "broker changed"}});
  }
  broker_ = broker;
  broker_text_ = broker.toString();
  wanted_ = std::move(wanted);

  if (wanted_.empty() || !same_broker) {
    dropCurrent();
    retry_.stop();
    backoff_ = kInitialBackoff;
    outage_ = false;
    if (!wanted_.empty()) startSession();
    return;
  }
  if (current_ && current_->up) {
    sync(*current_);
  } else if (!current_ && !retry_.pending()) {
    startSession();  // was idle (no filters before)
  }
  // Otherwise an attempt is under way or waiting: it subscribes wanted_ once connected.
}

bool BrokerSubscriber::connected() const {
  return current_ && current_->up && current_->subscribing.empty() &&
         current_->unsubscribing == 0;
}

void BrokerSubscriber::startSession() {
  retry_.stop();
  if (wanted_.empty() || broker_.empty()) return;
  auto s = std::make_unique<Session>();
  Session* raw = s.get();
  s->transport = std::make_unique<client::TcpClientTransport>(loop_);
  client::MqttClientOptions options;
  options.version = mqtt::ProtocolVersion::kV311;
  options.client_id = client_id_;
  options.clean_start = true;
  options.keep_alive = kKeepAliveSeconds;
  client::MqttClient::Callbacks callbacks{
      .on_connected = [this, raw](bool) { onConnected(raw); },
      .on_message = [this, raw](const client::MqttMessage& m) { onMessage(raw, m); },
      .on_published = nullptr,
      .on_subscribed = [this, raw](uint16_t id, std::vector<uint8_t> codes) {
        onSubscribed(raw, id, codes);
      },
      .on_unsubscribed = [this, raw](uint16_t) { onUnsubscribed(raw); },
      .on_closed = [this, raw](const client::MqttClose& c) { onClosed(raw, c); },
  };
  s->client = std::make_unique<client::MqttClient>(loop_, *s->transport, std::move(options),
                                                   std::move(callbacks));
  ++attempts_;
  if (auto r = s->client->connect(broker_); !r) {
    // Nothing was started and no callback follows: `s` is ours to destroy here.
    lost(false, {}, r.error());
    return;
  }
  current_ = std::move(s);
  establish_.start(kEstablishTimeout);
}

void BrokerSubscriber::onConnected(Session* s) {
  if (s != current_.get()) return;
  establish_.stop();
  s->up = true;
  s->up_since = SteadyClock::now();
  ++sessions_;
  if (outage_) {
    Log::info("broker subscription restored",
              {{"broker", broker_text_},
               {"failed_attempts", std::to_string(outage_attempts_)},
               {"outage_ms", millis(SteadyClock::now() - outage_since_)}});
    outage_ = false;
  } else {
    Log::info("broker subscription connected",
              {{"broker", broker_text_},
               {"client_id", client_id_},
               {"filters", std::to_string(wanted_.size())}});
  }
  sync(*s);
}

void BrokerSubscriber::sync(Session& s) {
  std::vector<std::string> removed;
  for (const auto& held : s.held) {
    if (!wanted_.contains(held.first)) removed.push_back(held.first);
  }
  std::vector<std::pair<std::string, uint8_t>> added;  // new, or a changed maximum QoS
  for (const auto& [filter, qos] : wanted_) {
    auto it = s.held.find(filter);
    if (it == s.held.end() || it->second != qos) added.emplace_back(filter, qos);
  }
  if (!removed.empty()) {
    if (auto r = s.client->unsubscribe(removed); r) {
      ++s.unsubscribing;
      for (const auto& filter : removed) s.held.erase(filter);
    } else {
      Log::error("broker subscription: cannot unsubscribe", {{"error", r.error()}});
    }
  }
  if (!added.empty()) {
    // A SUBSCRIBE for a filter already held replaces its QoS [MQTT-3.8.4-3].
    if (auto r = s.client->subscribe(added); r) {
      auto& names = s.subscribing[*r];
      for (auto& [filter, qos] : added) {
        s.held[filter] = qos;
        names.push_back(filter);
      }
    } else {
      Log::error("broker subscription: cannot subscribe", {{"error", r.error()}});
    }
  }
}

void BrokerSubscriber::onMessage(Session* s, const client::MqttMessage& m) {
  // An old session still finishing its DISCONNECT may deliver: it is not the configured broker.
  if (s != current_.get() || !on_message_) return;
  Message msg;
  msg.topic = m.topic;
  msg.payload.assign(m.payload.begin(), m.payload.end());
  msg.qos = m.qos;
  msg.retain = m.retain;
  msg.transport = "broker";
  msg.peer = broker_text_;
  msg.timestamp = std::chrono::system_clock::now();
  on_message_(std::move(msg));
}

void BrokerSubscriber::onSubscribed(Session* s, uint16_t packet_id,
                                    const std::vector<uint8_t>& codes) {
  if (s != current_.get()) return;
  auto it = s->subscribing.find(packet_id);
  if (it == s->subscribing.end()) return;
  const std::vector<std::string> filters = std::move(it->second);
  s->subscribing.erase(it);
  if (codes.size() != filters.size()) {
    Log::warn("broker subscription: SUBACK code count differs from the filters",
              {{"broker", broker_text_},
               {"filters", std::to_string(filters.size())},
               {"codes", std::to_string(codes.size())}});
  }
  for (size_t i = 0; i < filters.size() && i < codes.size(); ++i) {
    if (codes[i] >= kSubackFailure) {
      // Forgotten, so that the next configure() asks again.
      s->held.erase(filters[i]);
      Log::error("broker refused subscription",
                 {{"broker", broker_text_}, {"filter", filters[i]},
                  {"code", std::to_string(codes[i])}});
    } else {
      Log::debug("broker subscription: subscribed",
                 {{"filter", filters[i]}, {"granted_qos", std::to_string(codes[i])}});
    }
  }
}

void BrokerSubscriber::onUnsubscribed(Session* s) {
  if (s == current_.get() && s->unsubscribing > 0) --s->unsubscribing;
}

void BrokerSubscriber::onClosed(Session* s, const client::MqttClose& close) {
  if (s != current_.get()) {
    retire(s);  // a dropped session finished its DISCONNECT
    return;
  }
  establish_.stop();
  const bool was_up = s->up;
  const SteadyClock::duration lasted = was_up ? SteadyClock::now() - s->up_since
                                              : SteadyClock::duration{};
  retire(s);
  lost(was_up, lasted, describe(close));
}

void BrokerSubscriber::onEstablishTimeout() {
  if (!current_ || current_->up) return;
  Log::debug("broker subscription: no CONNACK in time", {{"broker", broker_text_}});
  // Not connected yet: the transport closes now, or after a short linger if CONNECT went out;
  // on_closed then retries.
  current_->client->disconnect();
}

void BrokerSubscriber::lost(bool was_up, SteadyClock::duration lasted, const std::string& why) {
  if (wanted_.empty()) return;
  if (was_up && lasted >= kStableSession) backoff_ = kInitialBackoff;
  const bool first = !outage_;
  if (first) {
    outage_ = true;
    outage_since_ = SteadyClock::now();
    outage_attempts_ = 0;
  }
  if (!was_up) ++outage_attempts_;
  if (first) {
    Log::warn(was_up ? "broker subscription lost, reconnecting"
                     : "broker subscription: cannot connect, retrying",
              {{"broker", broker_text_}, {"reason", why},
               {"session_ms", was_up ? millis(lasted) : "0"}});
  } else {
    Log::debug("broker subscription: attempt failed",
               {{"broker", broker_text_}, {"reason", why},
                {"attempts", std::to_string(outage_attempts_)}});
  }
  scheduleRetry();
}

void BrokerSubscriber::scheduleRetry() {
  std::uniform_real_distribution<double> factor(1.0 - kJitter, 1.0 + kJitter);
  const auto delay = duration_cast<milliseconds>(backoff_ * factor(rng_));
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_.start(delay);
}

void BrokerSubscriber::dropCurrent() {
  establish_.stop();
  if (!current_) return;
  Session* s = current_.get();
  closing_.push_back(std::move(current_));
  // DISCONNECT when up (on_closed follows once the broker closes, bounded by MqttClient's
  // linger); before CONNACK the transport closes, and on_closed may run right here.
  s->client->disconnect();
}

void BrokerSubscriber::retire(Session* s) {
  std::unique_ptr<Session> owned;
  if (current_.get() == s) {
    owned = std::move(current_);
  } else {
    auto it = std::find_if(closing_.begin(), closing_.end(),
                           [s](const auto& c) { return c.get() == s; });
    if (it == closing_.end()) return;
    owned = std::move(*it);
    closing_.erase(it);
  }
  retired_.push_back(std::move(owned));
  reap_.schedule();
}

}  // namespace mqttd
