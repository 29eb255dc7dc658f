#include "bench/bench_client.h"

#include <cstdlib>
#include <algorithm>
#include <chrono>

#include "bench/payload_stamp.h"
#include "client/quic_client_connection.h"
#include "client/simple_client_connection.h"
#include "client/tls_client_context.h"
#include "client/tcp_client_transport.h"
#include "core/clock.h"

namespace mqttd::bench {
namespace {

using client::MqttClose;
using client::MqttCloseReason;
using client::TransportCloseReason;

// -I 0: messages published per wake-up before yielding to the loop (style habit 8), so one
// client cannot starve the others, the reporter or the socket reads.
constexpr int kBurst = 64;
// -I 0, QoS 0: stop queueing while this many bytes wait in the transport (TCP: not yet taken
// by the kernel; QUIC: not yet acknowledged), then poll again after kBlockedRetry.
constexpr size_t kOutputBound = 64 * 1024;
constexpr auto kBlockedRetry = std::chrono::microseconds(500);
// -I > 0: ticks a late timer may make up at once (see onPublishTimer()).
constexpr int kMaxCatchUp = 16;

ErrorKind connectErrorKind(const MqttClose& c) {
  if (c.reason == MqttCloseReason::kConnackRefused) return ErrorKind::kConnackRefused;
  if (c.transport && (c.transport->reason == TransportCloseReason::kTlsVerifyFailed ||
                      c.transport->reason == TransportCloseReason::kHandshakeFailed)) {
    return ErrorKind::kTlsFailed;
  }
  return ErrorKind::kConnectFailed;
}

}  // namespace

BenchClient::BenchClient(EventLoop& loop, const BenchOptions& options, BenchStats& stats,
                         uint32_t index, Hooks hooks)
    : loop_(loop),
      options_(options),
      stats_(stats),
      hooks_(std::move(hooks)),
      client_id_(options.clientId(index)),
      topic_(options.topicFor(index)),
      publisher_id_(PayloadStamp::publisherId(client_id_)),
      publish_timer_(loop, [this] { onPublishTimer(); }) {}

std::shared_ptr<const client::ResumptionTicket> BenchClient::resumption_;

void BenchClient::setResumption(std::shared_ptr<const client::ResumptionTicket> ticket) {
  resumption_ = std::move(ticket);
}

std::shared_ptr<const client::ResumptionTicket> BenchClient::ticket() const {
  if (quic_ == nullptr || !quic_->ticket()) return nullptr;
  return std::make_shared<const client::ResumptionTicket>(*quic_->ticket());
}

Result<void, std::string> BenchClient::start(const SocketAddress& peer) {
  if (started_) return fail(std::string("already started"));
  std::unique_ptr<client::ClientTransport> inner;
  if (options_.quic) {
    client::QuicClientConnection::Options q;
    q.tls.alpn = options_.alpn;
    q.tls.server_name = options_.host;
    q.tls.ca_file = options_.cafile;
    q.tls.insecure = options_.insecure;
    // One trust store for every client of the run (one BenchOptions per process): loading it
    // per connection would add ~25 ms to each dial and cap the handshake rate.
    static std::shared_ptr<const client::TlsClientContext> shared_tls;
    if (!shared_tls) {
      auto ctx = client::TlsClientContext::create(q.tls);
      if (!ctx) return fail(ctx.error());
      shared_tls = std::move(ctx).value();
    }
    q.tls_context = shared_tls;
    q.debug_log = std::getenv("MQTTD_NGTCP2_DEBUG") != nullptr;  // ngtcp2 log on stderr
    q.resume = resumption_;
    auto quic = std::make_unique<client::QuicClientConnection>(loop_, std::move(q));
    quic_ = quic.get();
    inner = std::move(quic);
  } else if (options_.simple) {
    client::SimpleClientConnection::Options so;
    so.debug_log = std::getenv("MQTTD_SIMPLE_DEBUG") != nullptr;  // one line per packet
    inner = std::make_unique<client::SimpleClientConnection>(loop_, std::move(so));
  } else {
    inner = std::make_unique<client::TcpClientTransport>(loop_);
  }
  transport_ = std::make_unique<TimedTransport>(std::move(inner), [this] { onUp(); });

  client::MqttClientOptions m;
  m.version = options_.version;
  m.client_id = client_id_;
  m.clean_start = true;
  m.keep_alive = options_.keepalive;
  m.username = options_.username;
  m.password = options_.password;
  mqtt_ = std::make_unique<client::MqttClient>(
      loop_, *transport_, std::move(m),
      client::MqttClient::Callbacks{
          .on_connected = [this](bool) { onConnected(); },
          .on_message = [this](const client::MqttMessage& msg) { onMessage(msg); },
          .on_published = [this](uint16_t id, uint8_t code) { onPublished(id, code); },
          .on_subscribed = [this](uint16_t, std::vector<uint8_t> codes) { onSubscribed(codes); },
          .on_unsubscribed = nullptr,
          .on_closed = [this](const MqttClose& c) { onClosed(c); },
      });
  dial_ns_ = monotonicNanos();
  if (auto r = mqtt_->connect(peer); !r) return fail(r.error());
  started_ = true;
  ++stats_.connects_started;
  return {};
}

void BenchClient::stop() {
  if (stopping_) return;
  stopping_ = true;
  publish_timer_.stop();
  if (started_ && !closed_) mqtt_->disconnect();
}

uint64_t BenchClient::elapsedMicros() const {
  return (monotonicNanos() - dial_ns_) / 1000;
}

void BenchClient::onUp() {
  stats_.handshake.record(elapsedMicros());
}

void BenchClient::onConnected() {
  const uint64_t us = elapsedMicros();
  connected_ = true;
  ++stats_.connected;
  ++stats_.open;
  stats_.connack.record(us);
  if (options_.mode == BenchMode::kConn) stats_.interval.record(us);
  if (quic_ != nullptr && quic_->resumed()) {
    ++stats_.resumed;
    if (quic_->earlyDataAccepted()) ++stats_.zero_rtt_accepted;
  }
  if (hooks_.on_connect_result) hooks_.on_connect_result();
  if (stopping_ || closed_) return;

  switch (options_.mode) {
    case BenchMode::kConn: break;
    case BenchMode::kPub:
      payload_.assign(options_.payload_size, 0);
      for (size_t i = PayloadStamp::kSize; i < payload_.size(); ++i) {
        payload_[i] = static_cast<uint8_t>('a' + i % 26);  // filler, written once
      }
      if (options_.qos > 0) unacked_.reserve(options_.inflight);
      next_tick_ns_ = monotonicNanos();
      onPublishTimer();
      break;
    case BenchMode::kSub:
      if (auto r = mqtt_->subscribe({{topic_, options_.qos}}); !r) {
        stats_.error(ErrorKind::kSubscribeRejected);
        mqtt_->disconnect();
      }
      break;
  }
}

bool BenchClient::budgetLeft() const {
  return options_.limit == 0 || stats_.published < options_.limit;
}

bool BenchClient::publishOne() {
  PayloadStamp stamp{PayloadStamp::realtimeNanos(), publisher_id_, sequence_};
  (void)stamp.encode(payload_);  // payload_ is >= kSize bytes (-s >= 16)
  auto r = mqtt_->publish(topic_, payload_, options_.qos, false);
  if (!r) {
    stats_.error(ErrorKind::kPublishFailed);
    return false;
  }
  ++sequence_;
  ++stats_.published;
  const uint64_t now = monotonicNanos();
  if (stats_.first_message_ns == 0) stats_.first_message_ns = now;
  stats_.last_message_ns = now;
  if (options_.qos > 0) unacked_.emplace_back(*r, now);
  if (options_.qos == 0 && options_.limit != 0 && stats_.published == options_.limit &&
      hooks_.on_limit_reached) {
    hooks_.on_limit_reached();
  }
  return true;
}

void BenchClient::onPublishTimer() {
  if (!connected_ || stopping_ || closed_) return;
  if (options_.publish_interval_ms == 0) {
    pump();
    return;
  }
  // Ticks keep to a fixed schedule. The loop's timers have millisecond granularity, so a tick
  // often comes late: it publishes for every tick that has come due (at most kMaxCatchUp), so
  // -I 1 still means 1000 msg/s; a client further behind than that drops the backlog.
  const uint64_t period_ns = uint64_t{options_.publish_interval_ms} * 1'000'000;
  uint64_t now = monotonicNanos();
  for (int n = 0; n < kMaxCatchUp && next_tick_ns_ <= now; ++n) {
    if (!budgetLeft()) return;
    if (options_.qos > 0 && unacked_.size() >= options_.inflight) {
      stats_.error(ErrorKind::kInflightFull);
    } else {
      (void)publishOne();
    }
    if (stopping_ || closed_) return;
    next_tick_ns_ += period_ns;
  }
  if (!budgetLeft()) return;
  now = monotonicNanos();
  if (next_tick_ns_ + period_ns * kMaxCatchUp < now) next_tick_ns_ = now;
  publish_timer_.start(std::chrono::nanoseconds(next_tick_ns_ > now ? next_tick_ns_ - now : 0));
}

void BenchClient::pump() {
  for (int n = 0; n < kBurst; ++n) {
    if (!connected_ || stopping_ || closed_ || !budgetLeft()) return;
    if (options_.qos > 0) {
      if (unacked_.size() >= options_.inflight) return;  // onPublished() resumes
    } else if (transport_->pendingOutput() >= kOutputBound) {
      publish_timer_.start(kBlockedRetry);
      return;
    }
    if (!publishOne()) return;
  }
  publish_timer_.start(std::chrono::nanoseconds(0));  // let the loop write and read, then go on
}

void BenchClient::onPublished(uint16_t packet_id, uint8_t reason_code) {
  auto it = std::find_if(unacked_.begin(), unacked_.end(),
                         [packet_id](const auto& u) { return u.first == packet_id; });
  if (it != unacked_.end()) {
    stats_.interval.record((monotonicNanos() - it->second) / 1000);
    *it = unacked_.back();
    unacked_.pop_back();
  }
  if (reason_code >= 0x80) stats_.error(ErrorKind::kPublishRejected);
  ++stats_.acked;
  if (options_.limit != 0 && stats_.acked == options_.limit && hooks_.on_limit_reached) {
    hooks_.on_limit_reached();
    return;
  }
  if (options_.publish_interval_ms == 0 && !publish_timer_.pending()) pump();
}

void BenchClient::onSubscribed(const std::vector<uint8_t>& codes) {
  for (uint8_t c : codes) {
    if (c >= 0x80) {
      stats_.error(ErrorKind::kSubscribeRejected);
      mqtt_->disconnect();
      return;
    }
  }
}

void BenchClient::onMessage(const client::MqttMessage& m) {
  if (options_.limit != 0 && stats_.received >= options_.limit) return;  // past -L: ignored
  ++stats_.received;
  const uint64_t now = monotonicNanos();
  if (stats_.first_message_ns == 0) stats_.first_message_ns = now;
  stats_.last_message_ns = now;
  if (auto stamp = PayloadStamp::decode(m.payload)) {
    const uint64_t rt = PayloadStamp::realtimeNanos();
    // Publisher and subscriber share CLOCK_REALTIME on one machine; a step of the clock can
    // still make this negative, which counts as 0.
    stats_.interval.record(rt > stamp->sent_ns ? (rt - stamp->sent_ns) / 1000 : 0);
    const auto o = tracker_.observe(stamp->publisher, stamp->sequence);
    stats_.gaps += o.gap;
    if (o.duplicate) ++stats_.duplicates;
  } else {
    stats_.error(ErrorKind::kBadPayload);
  }
  if (options_.limit != 0 && stats_.received == options_.limit && hooks_.on_limit_reached) {
    hooks_.on_limit_reached();
  }
}

void BenchClient::onClosed(const MqttClose& c) {
  closed_ = true;
  publish_timer_.stop();
  if (!connected_) {
    if (!stopping_) {
      ++stats_.connect_failed;
      failure_ = c.text;
      stats_.error(connectErrorKind(c));
      if (hooks_.on_connect_result) hooks_.on_connect_result();
    }
  } else {
    --stats_.open;
    if (!stopping_) stats_.error(ErrorKind::kConnectionLost);
  }
  if (hooks_.on_closed) hooks_.on_closed();
}

}  // namespace mqttd::bench
