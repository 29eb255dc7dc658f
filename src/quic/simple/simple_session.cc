#include "quic/simple/simple_session.h"

#include <algorithm>

#include "core/clock.h"
#include "core/log.h"
#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::simple {
namespace {

constexpr size_t kMaxBurst = 64;  // packets written per turn before other events run

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

}  // namespace

std::unique_ptr<SimpleSession> SimpleSession::create(EventLoop& loop, SimpleSessionHost& host,
                                                     const QuicListenerConfig& config,
                                                     const Accept& accept) {
  std::unique_ptr<SimpleSession> self(new SimpleSession(loop, host, config, accept));
  if (!host.associate(self->server_cid_, *self) || !host.associate(self->initial_dcid_, *self)) {
    self->state_ = State::kDone;
    host.sessionFinished(*self);  // removes whatever was registered
    return nullptr;
  }
  self->sendAccept(self->peer_, self->local_);
  self->armTimer();
  return self;
}

SimpleSession::SimpleSession(EventLoop& loop, SimpleSessionHost& host,
                             const QuicListenerConfig& config, const Accept& accept)
    : loop_(loop),
      host_(host),
      server_cid_(accept.server_cid.begin(), accept.server_cid.end()),
      client_cid_(accept.hello.scid.begin(), accept.hello.scid.end()),
      initial_dcid_(accept.hello.dcid.begin(), accept.hello.dcid.end()),
      peer_(accept.datagram.peer),
      local_(accept.datagram.local),
      timer_(loop, [this] { onTimer(); }),
      write_soon_(loop, [this] { writePackets(); }) {
  std::copy(accept.reset_token.begin(), accept.reset_token.end(), reset_token_.begin());
  const Parameters& client = accept.hello.params;
  params_.max_datagram = config.max_udp_payload_size;
  params_.stream_window = config.simple_framer.stream_window;
  params_.idle_timeout_ms = static_cast<uint64_t>(config.idle_timeout.count());
  // §7.3: the smaller of the two non-zero idle timeouts.
  uint64_t idle_ms = params_.idle_timeout_ms;
  if (client.idle_timeout_ms != 0)
    idle_ms = idle_ms == 0 ? client.idle_timeout_ms : std::min(idle_ms, client.idle_timeout_ms);
  idle_timeout_ = std::chrono::milliseconds(idle_ms);
  SimpleConnection::Config core;
  core.peer_cid = client_cid_;
  core.local_cid_length = server_cid_.size();
  core.max_datagram = static_cast<size_t>(std::min(params_.max_datagram, client.max_datagram));
  core.local_window = params_.stream_window;
  core.peer_window = client.stream_window;
  SimpleConnection::Stream& stream = *this;
  conn_ = std::make_unique<SimpleConnection>(stream, std::move(core));
  last_rx_ns_ = monotonicNanos();
  handshake_deadline_ns_ =
      last_rx_ns_ + static_cast<uint64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(
                            config.handshake_timeout)
                            .count());
}

SimpleSession::~SimpleSession() {
  splice_.reset();  // the stream detaches while the connection still exists
}

void SimpleSession::sendAccept(const SocketAddress& to, const SocketAddress& local) {
  uint8_t out[256];
  const size_t n = PacketWriter::writeAccept(out, client_cid_, server_cid_, params_, reset_token_);
  if (n > 0) host_.send({out, n}, to, local);
}

void SimpleSession::onDatagram(const ReceivedDatagram& datagram) {
  switch (state_) {
    case State::kDone:
    case State::kDraining:
      return;  // §7.4: silent
    case State::kClosing:
      // §7.4: the same CLOSE again, at most one per packet received.
      if (!close_packet_.empty()) host_.send(close_packet_, datagram.peer, datagram.local);
      return;
    case State::kOpen:
      break;
  }
  if ((datagram.data[0] & 0x80) != 0) {
    // A long header routed here by the initial DCID: the client resent its HELLO because our
    // ACCEPT was lost (§7.1). Answer where it came from; the connection's address stays.
    auto hello = PacketReader::decodeLong(datagram.data);
    if (hello && hello->type == LongType::kHello) sendAccept(datagram.peer, datagram.local);
    return;
  }
  const uint64_t now = monotonicNanos();
  // The broker connection starts with the client's first short-header packet: a replayed
  // HELLO (cookies live 10 s) never reaches the broker.
  if (!splice_started_) startSplice();
  auto received = conn_->onPacket(datagram.data, now);
  if (!received) {
    Log::info("simple-framer connection violated the protocol",
              {{"peer", datagram.peer.toString()}, {"reason", received.error().reason}});
    closeConnection(received.error().code, received.error().reason);
    return;
  }
  // Junk with a valid DCID (reserved bits set, no frames) neither keeps the connection alive
  // nor moves it.
  if (received->dropped) return;
  last_rx_ns_ = now;
  if (received->newest && !(datagram.peer == peer_)) {
    // §7.2: the client moved (NAT rebinding, roaming); the splice stays as it is.
    host_.metrics().addQuicEvent(QuicEvent::kPathMigrated);
    Log::info("simple-framer connection moved to a new client address",
              {{"from", peer_.toString()}, {"to", datagram.peer.toString()}});
    peer_ = datagram.peer;
    local_ = datagram.local;
  }
  applyStreamEvents();
  if (state_ == State::kOpen) write_soon_.schedule();
}

void SimpleSession::applyStreamEvents() {
  if (peer_closed_) {
    startDraining();
    return;
  }
  if (stream_ == nullptr) return;
  if (acked_len_ > 0) {
    const uint64_t offset = acked_offset_, len = acked_len_;
    acked_offset_ += len;
    acked_len_ = 0;
    if (!stream_->acknowledged(offset, static_cast<size_t>(len))) {
      closeConnection(ErrorCode::kInternalError, "acknowledgement out of order");
      return;
    }
  }
  if (stream_ != nullptr && fin_acked_ && !fin_reported_) {
    fin_reported_ = true;
    stream_->markFinSent();
  }
  if (stream_ != nullptr) stream_->notifyReadable();
}

void SimpleSession::startSplice() {
  const SpliceContext context = host_.spliceContext();
  QuicStreamHost& stream_host = *this;
  auto stream = std::make_unique<QuicStream>(stream_host, 0, context.limits.buffer_low_water,
                                             "simple");
  stream_ = stream.get();
  splice_started_ = true;
  std::weak_ptr<bool> alive = alive_;
  splice_ = std::make_unique<Splice>(host_.nextConnectionId(), Transport::kSimple,
                                     std::move(stream), context, [this, alive](Splice& done) {
                                       const bool lost = done.brokerLost();
                                       loop_.callLater([this, alive, lost] {
                                         if (!alive.expired()) onSpliceDone(lost);
                                       });
                                     });
  splice_->start();
}

void SimpleSession::onSpliceDone(bool broker_lost) {
  if (state_ == State::kOpen) {
    // §7.4: the MQTT session is over and the splice has seen our data acknowledged (or gave
    // up waiting).
    if (broker_lost) closeConnection(ErrorCode::kUpstreamLost, "broker connection lost");
    else if (aborted_) closeConnection(ErrorCode::kInternalError, "stream aborted");
    else closeConnection(ErrorCode::kNoError, "");
  }
  splice_.reset();
}

void SimpleSession::writePackets() {
  if (state_ != State::kOpen) return;
  uint8_t* buffer = host_.txBuffer();
  const uint64_t now = monotonicNanos();
  size_t sent = 0;
  for (; sent < kMaxBurst; ++sent) {
    const size_t n = conn_->writePacket({buffer, kSimpleTxBufferSize}, now);
    if (n == 0) break;
    host_.send({buffer, n}, peer_, local_);
  }
  if (sent == kMaxBurst) write_soon_.schedule();  // more to send: after other events
  armTimer();
}

void SimpleSession::armTimer() {
  if (state_ == State::kDone) return;
  uint64_t deadline = UINT64_MAX;
  if (state_ == State::kOpen) {
    deadline = conn_->nextTimeout();
    if (!splice_started_) deadline = std::min(deadline, handshake_deadline_ns_);
    deadline = std::min(deadline, idleDeadlineNs());
  } else {
    deadline = close_deadline_ns_;
  }
  timer_.startAt(deadline);
}

uint64_t SimpleSession::idleDeadlineNs() const {
  if (idle_timeout_.count() <= 0) return UINT64_MAX;
  return last_rx_ns_ + static_cast<uint64_t>(idle_timeout_.count());
}

void SimpleSession::onTimer() {
  const uint64_t now = monotonicNanos();
  if (state_ == State::kClosing || state_ == State::kDraining) {
    if (now >= close_deadline_ns_) finish("closed");
    else armTimer();
    return;
  }
  if (state_ != State::kOpen) return;
  if (!splice_started_ && now >= handshake_deadline_ns_) {
    // ACCEPT never led to a short header: the client is gone (or was a replayed HELLO). It
    // held a connection slot without a splice; give it back.
    finish("handshake timeout");
    return;
  }
  if (now >= idleDeadlineNs()) {
    // §7.3: forget the connection without a word; the broker connection closes.
    finish("idle timeout");
    return;
  }
  conn_->onTimer(now);
  writePackets();
}

void SimpleSession::closeConnection(ErrorCode code, std::string_view reason) {
  if (state_ != State::kOpen) return;
  uint8_t* buffer = host_.txBuffer();
  const size_t n = conn_->writeClose({buffer, kSimpleTxBufferSize}, code, reason);
  close_packet_.assign(buffer, buffer + n);
  if (n > 0) host_.send(close_packet_, peer_, local_);
  state_ = State::kClosing;
  write_soon_.cancel();
  close_deadline_ns_ = monotonicNanos() + 3 * conn_->probeTimeoutNs();
  if (stream_ != nullptr) stream_->transportClosed(StreamError::kTransportLost);
  armTimer();
}

void SimpleSession::startDraining() {
  if (state_ != State::kOpen) return;
  state_ = State::kDraining;
  write_soon_.cancel();
  close_deadline_ns_ = monotonicNanos() + 3 * conn_->probeTimeoutNs();
  // The client ended the connection: NO_ERROR after its DISCONNECT is a normal end, anything
  // else an abort; either way the stream is gone.
  if (stream_ != nullptr)
    stream_->transportClosed(peer_close_code_ == 0 ? StreamError::kTransportLost
                                                   : StreamError::kReset);
  armTimer();
}

void SimpleSession::finish(const char* why) {
  if (state_ == State::kDone) return;
  if (stream_ != nullptr) stream_->transportClosed(StreamError::kTransportLost);
  state_ = State::kDone;
  timer_.stop();
  write_soon_.cancel();
  Log::debug("simple-framer connection finished",
             {{"peer", peer_.toString()}, {"cid", hex(server_cid_)}, {"reason", why}});
  host_.sessionFinished(*this);
}

void SimpleSession::shutdown() {
  if (splice_) splice_->shutdown();
  else closeConnection(ErrorCode::kConnectionRefused, "gateway is shutting down");
}

void SimpleSession::appendJson(std::string& out) const {
  if (splice_) splice_->appendJsonTo(out);
}

// --- QuicStreamHost ---

void SimpleSession::streamConsumed(int64_t, size_t n) {
  if (state_ != State::kOpen) return;
  conn_->consumed(n);
  write_soon_.schedule();  // MAX_DATA
}

void SimpleSession::streamWantsWrite() {
  if (state_ == State::kOpen) write_soon_.schedule();
}

void SimpleSession::streamAbort(int64_t) {
  // The splice gives up (broker refused or lost, protocol error); it reports done next, and
  // onSpliceDone() closes the connection with the matching code.
  aborted_ = true;
}

void SimpleSession::streamDetached(int64_t) { stream_ = nullptr; }

void SimpleSession::streamKeepAlive(int64_t, uint16_t seconds) {
  // §7.3: never forget a connection sooner than 1.5x its MQTT keepalive (MQTT-3.1.2-24).
  if (idle_timeout_.count() == 0 || seconds == 0) return;
  const auto stretched = std::chrono::milliseconds(uint64_t{seconds} * 1500);
  if (stretched > idle_timeout_) idle_timeout_ = stretched;
}

// --- SimpleConnection::Stream ---

SendBuffer& SimpleSession::sendBuffer() {
  // The stream exists whenever the core has something to send: it is created before the first
  // packet is processed, and the core stops (writeClose) before the splice is destroyed.
  return stream_ != nullptr ? stream_->sendBuffer() : no_stream_buffer_;
}

bool SimpleSession::finRequested() const { return stream_ != nullptr && stream_->finRequested(); }

void SimpleSession::onStreamData(std::span<const uint8_t> data, bool fin) {
  if (stream_ != nullptr) stream_->deliver(data.data(), data.size(), fin);
  else conn_->consumed(data.size());  // nobody reads: keep the window open
}

void SimpleSession::onStreamAcked(uint64_t offset, uint64_t len) {
  if (acked_len_ == 0) acked_offset_ = offset;
  acked_len_ += len;
}

void SimpleSession::onFinAcked() { fin_acked_ = true; }

void SimpleSession::onPeerClose(uint64_t error_code, std::string_view reason) {
  peer_closed_ = true;
  peer_close_code_ = error_code;
  if (error_code != 0)
    Log::info("simple-framer client closed with an error",
              {{"peer", peer_.toString()},
               {"code", std::string(toString(static_cast<ErrorCode>(error_code)))},
               {"reason", std::string(reason)}});
}

}  // namespace mqttd::simple
