#include "splice/splice.h"

#include <event2/buffer.h>

#include <cstdio>

#include "core/log.h"
#include "mqtt/connack_packet.h"
#include "mqtt/disconnect_packet.h"
#include "mqtt/reason_code.h"

namespace mqttd {
namespace {

// How long a closing splice waits for the client's own FIN before it closes anyway.
constexpr std::chrono::seconds kLinger{2};

// Gateway-made acks waiting for the broker -> client stream to reach a packet boundary; above
// this the client is not read (its acks are tiny: 64 KiB is thousands of PUBLISHes).
constexpr size_t kMaxPendingReplies = 64 * 1024;

// MQTT 3.1.1 §3.2.2.3: CONNACK return code 3, "Server unavailable".
constexpr uint8_t kReturnServerUnavailable = 0x03;

std::span<const uint8_t> front(evbuffer* buf) {
  evbuffer_iovec vec;
  if (evbuffer_peek(buf, -1, nullptr, &vec, 1) < 1) return {};
  return {static_cast<const uint8_t*>(vec.iov_base), vec.iov_len};
}

}  // namespace

Splice::Splice(uint64_t id, Transport transport, std::unique_ptr<ByteStream> stream,
               const SpliceContext& context, DoneCallback on_done)
    : id_(id),
      transport_(transport),
      context_(context),
      on_done_(std::move(on_done)),
      stream_(std::move(stream)),
      upstream_(context.loop, *this, context.limits.buffer_high_water,
                context.limits.buffer_low_water),
      tap_(context.limits.max_packet_size),
      connect_packet_timer_(context.loop,
                            [this] {
                              if (state_ != State::kOpen || tap_.connectSeen()) return;
                              context_.metrics.addError(ErrorKind::kConnectTimeout);
                              closeClient("no CONNECT within limits.connect_packet_timeout");
                            }),
      linger_timer_(context.loop, [this] { finishSplice("closed (linger timeout)"); }),
      opened_at_(std::chrono::steady_clock::now()) {
  stream_->setObserver(this);
  tap_.on_packet = [this](mqtt::PacketType t) {
    context_.metrics.addPacket(Direction::kToBroker, static_cast<uint8_t>(t));
    if (t == mqtt::PacketType::kDisconnect) client_disconnected_ = true;
    if (t == mqtt::PacketType::kConnect) stream_->mqttKeepAlive(tap_.keepAlive());
  };
  tap_.on_publish = [this](const PublishInfo& info) { return routePublish(info); };
  tap_.on_captured = [this](const PublishInfo& info, std::string payload) {
    deliverCaptured(info, std::move(payload));
  };
  tap_.on_reply = [this](std::vector<uint8_t> packet) { queueReply(std::move(packet)); };
  frames_.on_packet = [this](mqtt::PacketType t) {
    context_.metrics.addPacket(Direction::kToClient, static_cast<uint8_t>(t));
  };
  context_.metrics.connectionOpened(transport_);
}

Splice::~Splice() {
  if (state_ != State::kDone) {
    stream_->abort();
    context_.metrics.connectionClosed(transport_);
  }
  stream_->setObserver(nullptr);
}

void Splice::start() {
  Log::debug("client connected", {{"id", std::to_string(id_)},
                                  {"transport", std::string(toString(transport_))},
                                  {"peer", stream_->peer()}});
  connect_packet_timer_.start(context_.limits.connect_packet_timeout);
  upstream_.connect(context_.broker, context_.connect_timeout);
}

void Splice::shutdown() {
  if (state_ != State::kOpen) return;
  if (tap_.connectSeen() && tap_.version() == mqtt::ProtocolVersion::kV5 &&
      frames_.atPacketBoundary()) {
    sendDisconnect(mqtt::reason::kServerShuttingDown);
  }
  closeClient("gateway shutting down");
}

void Splice::onStreamReadable() {
  pumpToBroker();
  checkDone();
}

void Splice::onStreamWritable() {
  pumpToClient();
  checkDone();
}

void Splice::onStreamClosed(StreamError why) {
  if (state_ == State::kDone) return;
  if (state_ == State::kClosing) {  // the client ended the close we started: keep our reason
    finishSplice(close_reason_.c_str());
    return;
  }
  context_.metrics.addError(ErrorKind::kClientReset);
  finishSplice(why == StreamError::kReset ? "client reset" : "client transport lost");
}

void Splice::onUpstreamConnected() {
  Log::debug("broker connected",
             {{"id", std::to_string(id_)}, {"upstream", upstream_.localAddress()}});
  pumpToBroker();
}

void Splice::onUpstreamReadable() { pumpToClient(); }

void Splice::onUpstreamWritable() {
  pumpToBroker();
  checkDone();
}

void Splice::onUpstreamFailed(UpstreamError error, const std::string& detail) {
  upstream_gone_ = true;
  broker_lost_ = true;
  if (!upstream_.connected()) {
    context_.metrics.upstreamConnectFailed();
    Log::warn("broker unreachable", {{"id", std::to_string(id_)},
                                     {"broker", context_.broker.toString()},
                                     {"error", std::string(toString(error))},
                                     {"detail", detail}});
  }
  if (state_ != State::kOpen) {
    checkDone();
    return;
  }
  if (!frames_.connackSeen()) {
    // MQTT-level refusal needs the client's protocol version: wait for its CONNECT.
    if (tap_.connectSeen())
      refuseUnavailable();
    else
      pumpToBroker();
    return;
  }
  context_.metrics.addError(ErrorKind::kUpstreamLost);
  pumpToClient();
  closeClient(("broker connection lost: " + detail).c_str());
}

void Splice::pumpToBroker() {
  if (state_ == State::kDone) return;
  evbuffer* in = stream_->input();
  while (evbuffer_get_length(in) > 0) {
    if (state_ == State::kClosing) {  // nothing goes anywhere any more
      stream_->consume(evbuffer_get_length(in));
      break;
    }
    evbuffer* out = nullptr;  // upstream gone: parse only (to learn the version), then drop
    if (!upstream_gone_) {
      if (upstream_.pendingOutput() >= context_.limits.buffer_high_water) break;
      out = upstream_.output();
    }
    if (replies_.size() >= kMaxPendingReplies) {
      replies_full_ = true;
      break;
    }
    const auto chunk = front(in);
    const size_t out_before = out != nullptr ? evbuffer_get_length(out) : 0;
    auto used = tap_.process(chunk, out);
    if (!used) {
      onTapError(used.error());
      return;
    }
    stream_->consume(*used);
    if (out != nullptr) {  // what went out (a route may keep packets, or rewrite a header)
      const size_t sent = evbuffer_get_length(out) - out_before;
      bytes_to_broker_ += sent;
      context_.metrics.addBytes(transport_, Direction::kToBroker, sent);
    }
    if (upstream_gone_ && tap_.connectSeen() && !frames_.connackSeen()) {
      refuseUnavailable();
      return;
    }
  }
  if (state_ == State::kOpen && stream_->inputFinished() && evbuffer_get_length(in) == 0 &&
      !upstream_fin_sent_) {
    upstream_fin_sent_ = true;
    if (upstream_gone_) {
      closeClient("client closed");
    } else {
      upstream_.finish();  // the broker answers our FIN by closing: see pumpToClient()
      linger_timer_.start(kLinger);
    }
  }
}

void Splice::pumpToClient() {
  if (state_ == State::kDone) return;
  evbuffer* in = upstream_.input();
  while (evbuffer_get_length(in) > 0) {
    if (state_ == State::kClosing) {
      evbuffer_drain(in, evbuffer_get_length(in));
      break;
    }
    if (stream_->pendingOutput() >= context_.limits.buffer_high_water) break;
    auto chunk = front(in);
    // Gateway-made acks are waiting: write up to the end of the current packet, then them.
    if (!replies_.empty() && frames_.bytesToBoundary() > 0)
      chunk = chunk.first(std::min(chunk.size(), frames_.bytesToBoundary()));
    (void)frames_.follow(chunk);
    stream_->write(in, chunk.size());
    bytes_to_client_ += chunk.size();
    context_.metrics.addBytes(transport_, Direction::kToClient, chunk.size());
    if (!replies_.empty()) flushReplies();
  }
  if (state_ == State::kOpen && upstream_.inputFinished() && evbuffer_get_length(in) == 0) {
    upstream_gone_ = true;
    broker_lost_ = !client_disconnected_;
    if (!frames_.connackSeen() && tap_.connectSeen()) {
      refuseUnavailable();  // the broker hung up without answering CONNECT
    } else if (frames_.connackSeen()) {
      closeClient(client_disconnected_ ? "client disconnected" : "broker closed the connection");
    } else {
      pumpToBroker();  // wait for the CONNECT to answer it
    }
  }
}

void Splice::onTapError(const TapError& error) {
  ErrorKind kind = ErrorKind::kMalformedPacket;
  uint8_t reason = mqtt::reason::kMalformedPacket;
  if (error.kind == TapError::Kind::kTooLarge) {
    kind = ErrorKind::kPacketTooLarge;
    reason = mqtt::reason::kPacketTooLarge;
  } else if (error.kind == TapError::Kind::kProtocolViolation) {
    kind = ErrorKind::kProtocolViolation;
    reason = mqtt::reason::kProtocolError;
  } else if (error.kind == TapError::Kind::kTopicAliasInvalid) {
    kind = ErrorKind::kProtocolViolation;
    reason = mqtt::reason::kTopicAliasInvalid;
  } else if (error.kind == TapError::Kind::kRefused) {
    kind = ErrorKind::kRouteRefused;  // 3.1.1 only: no DISCONNECT is sent below
  }
  context_.metrics.addError(kind);
  Log::warn("closing client connection", {{"id", std::to_string(id_)},
                                          {"peer", stream_->peer()},
                                          {"client_id", tap_.clientId()},
                                          {"reason", std::string(toString(kind))},
                                          {"detail", error.detail}});
  if (tap_.connectSeen() && tap_.version() == mqtt::ProtocolVersion::kV5 &&
      frames_.atPacketBoundary()) {
    sendDisconnect(reason);
  }
  closeClient(std::string(toString(kind)).c_str());
}

PublishVerdict Splice::routePublish(const PublishInfo& info) {
  using Disposition = PublishVerdict::Disposition;
  if (context_.router == nullptr) return {};
  if (const uint64_t version = context_.router->version(); version != routes_version_) {
    routes_ = context_.router->current();
    routes_version_ = version;
  }
  if (routes_->passThrough()) return {};
  decision_ = routes_->decide(info.topic);
  PublishVerdict verdict;
  verdict.capture = decision_.capture;
  switch (decision_.action) {
    case RouteAction::kForward:
    case RouteAction::kTap: verdict.disposition = Disposition::kForward; break;
    case RouteAction::kLocal: verdict.disposition = Disposition::kLocal; break;
    case RouteAction::kDrop:
      verdict.disposition = decision_.on_drop == DropPolicy::kDisconnect
                                ? Disposition::kDropDisconnect
                                : Disposition::kDrop;
      break;
  }
  return verdict;
}

void Splice::deliverCaptured(const PublishInfo& info, std::string payload) {
  if (!routes_) return;
  auto message = std::make_shared<Message>();
  message->topic = std::string(info.topic);
  message->payload = std::move(payload);
  message->qos = info.qos;
  message->retain = info.retain;
  message->client_id = tap_.clientId();
  message->username = tap_.username();
  message->transport = std::string(toString(transport_));
  message->peer = stream_->peer();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(id_));
  message->connection_id = hex;
  message->timestamp = std::chrono::system_clock::now();
  routes_->deliver(decision_, std::move(message));
}

void Splice::queueReply(std::vector<uint8_t> packet) {
  replies_.insert(replies_.end(), packet.begin(), packet.end());
  flushReplies();
}

void Splice::flushReplies() {
  if (state_ != State::kOpen) {
    replies_.clear();
    return;
  }
  if (replies_.empty() || !frames_.atPacketBoundary()) return;
  std::vector<uint8_t> bytes;
  bytes.swap(replies_);
  sendToClient(bytes);
  if (replies_full_) {
    replies_full_ = false;
    pumpToBroker();
  }
}

void Splice::refuseUnavailable() {
  mqtt::ConnackPacket connack;
  connack.reason_code = mqtt::isV5(tap_.version()) ? mqtt::reason::kServerUnavailable
                                                   : kReturnServerUnavailable;
  std::vector<uint8_t> bytes;
  if (connack.encode(tap_.version(), bytes) && frames_.atPacketBoundary()) sendToClient(bytes);
  closeClient("broker unavailable");
}

void Splice::sendDisconnect(uint8_t reason) {
  mqtt::DisconnectPacket disconnect;
  disconnect.reason_code = reason;
  std::vector<uint8_t> bytes;
  if (disconnect.encode(mqtt::ProtocolVersion::kV5, bytes)) sendToClient(bytes);
}

void Splice::sendToClient(const std::vector<uint8_t>& bytes) {
  evbuffer* buf = evbuffer_new();
  evbuffer_add(buf, bytes.data(), bytes.size());
  stream_->write(buf, bytes.size());
  evbuffer_free(buf);
  bytes_to_client_ += bytes.size();
  context_.metrics.addBytes(transport_, Direction::kToClient, bytes.size());
}

void Splice::closeClient(const char* reason) {
  if (state_ != State::kOpen) return;
  state_ = State::kClosing;
  close_reason_ = reason;
  connect_packet_timer_.stop();
  stream_->finish();
  if (!upstream_gone_) {
    upstream_gone_ = true;
    upstream_.close();
  }
  linger_timer_.start(kLinger);
  pumpToBroker();  // discards what the client still sends
  checkDone();
}

void Splice::checkDone() {
  if (state_ != State::kClosing) return;
  if (stream_->inputFinished() && evbuffer_get_length(stream_->input()) == 0 &&
      stream_->pendingOutput() == 0)
    finishSplice(close_reason_.c_str());
}

void Splice::finishSplice(const char* reason) {
  if (state_ == State::kDone) return;
  const bool clean = state_ == State::kClosing && stream_->inputFinished();
  const std::string why = reason;
  state_ = State::kDone;
  connect_packet_timer_.stop();
  linger_timer_.stop();
  if (!upstream_gone_) {
    upstream_gone_ = true;
    upstream_.close();
  }
  if (!clean) stream_->abort();
  context_.metrics.connectionClosed(transport_);
  Log::info("connection closed", {{"id", std::to_string(id_)},
                                  {"transport", std::string(toString(transport_))},
                                  {"peer", stream_->peer()},
                                  {"client_id", tap_.clientId()},
                                  {"reason", why},
                                  {"bytes_to_broker", std::to_string(bytes_to_broker_)},
                                  {"bytes_to_client", std::to_string(bytes_to_client_)}});
  on_done_(*this);
}

void Splice::appendJsonTo(std::string& array) const {
  if (!array.empty() && array.back() != '[') array += ',';
  array += toJson();
}

std::string Splice::toJson() const {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - opened_at_)
                       .count();
  const char* state = state_ == State::kOpen ? "open" : state_ == State::kClosing ? "closing"
                                                                                   : "done";
  std::string out = "{\"id\":" + std::to_string(id_);
  out += ",\"transport\":\"" + std::string(toString(transport_)) + "\"";
  out += ",\"peer\":\"" + jsonEscape(stream_->peer()) + "\"";
  out += ",\"client_id\":\"" + jsonEscape(tap_.clientId()) + "\"";
  out += ",\"protocol_version\":" +
         (tap_.connectSeen() ? std::to_string(static_cast<int>(tap_.version())) : "null");
  out += ",\"state\":\"" + std::string(state) + "\"";
  out += ",\"upstream\":\"" + upstream_.localAddress() + "\"";
  out += ",\"bytes_to_broker\":" + std::to_string(bytes_to_broker_);
  out += ",\"bytes_to_client\":" + std::to_string(bytes_to_client_);
  out += ",\"age_seconds\":" + std::to_string(age) + "}";
  return out;
}

}  // namespace mqttd
