#include "client/simple_client_connection.h"

#include <event2/event.h>
#include <gnutls/crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/clock.h"
#include "core/log.h"
#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::client {
namespace {

using simple::ErrorCode;
using simple::LongType;
using simple::PacketReader;
using simple::PacketWriter;

constexpr size_t kMaxDatagramsPerRead = 64;  // bound per wake-up (style habit 8)
constexpr size_t kMaxPacketsPerWrite = 256;  // bound per wake-up; the rest on the next turn
constexpr auto kCloseLinger = std::chrono::seconds(2);  // close() waits this long for acks
constexpr auto kFirstHelloWait = std::chrono::milliseconds(250);  // §7.1
constexpr size_t kStatelessResetMin = 21;                         // §7.4: a reset is 21..43 bytes
constexpr uint64_t kNsPerMs = 1'000'000;

bool randomBytes(std::span<uint8_t> out) {
  return out.empty() || gnutls_rnd(GNUTLS_RND_RANDOM, out.data(), out.size()) == 0;
}

bool sameBytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// "PROTOCOL_VIOLATION (0xa): reason" for a CLOSE or REFUSE from the server.
std::string describeError(uint64_t code, std::string_view reason) {
  std::string text =
      std::string(simple::toString(static_cast<ErrorCode>(code))) + " (" + hexCode(code) + ")";
  if (!reason.empty()) text += ": " + std::string(reason);
  return text;
}

std::string_view longTypeName(uint8_t byte0) {
  switch ((byte0 >> 4) & 0x3) {
    case 0: return "HELLO";
    case 1: return "COOKIE";
    case 2: return "ACCEPT";
    default: return "REFUSE";
  }
}

}  // namespace

SimpleClientConnection::SimpleClientConnection(EventLoop& loop, Options options)
    : loop_(loop),
      options_(std::move(options)),
      timer_(loop, [this] { onTimer(); }),
      hello_timer_(loop, [this] { onHelloTimer(); }),
      handshake_deadline_(
          loop,
          [this] {
            finish({TransportCloseReason::kHandshakeTimeout,
                    "handshake timeout: no simple-framer answer from " + peer_.toString() +
                        " (is listeners.quic.simple_framer enabled?)"});
          }),
      linger_(loop,
              [this] {
                closeWithError(
                    ErrorCode::kNoError, "",
                    {TransportCloseReason::kClosedByUs, "closed (unacknowledged data dropped)"});
              }),
      closing_(loop,
               [this] {
                 if (read_watch_) read_watch_->disable();  // §7.4: forget the connection
               }),
      write_soon_(loop, [this] {
        if (state_ == State::kIdle || state_ == State::kClosed) return;
        if (socket_->hasPending()) {
          onReadable();
          return;
        }
        if (state_ == State::kHandshaking) return;
        if (writePackets()) updateTimer();
      }) {}

SimpleClientConnection::~SimpleClientConnection() = default;

Result<void, std::string> SimpleClientConnection::connect(const SocketAddress& peer,
                                                          Callbacks callbacks) {
  if (state_ != State::kIdle) return fail(std::string("connect() called twice"));
  if (options_.max_datagram < simple::kMinMaxDatagram ||
      options_.max_datagram > simple::kMaxMaxDatagram)
    return fail("max datagram " + std::to_string(options_.max_datagram) +
                " is outside 256..65527 bytes");
  if (options_.stream_window < simple::kMinStreamWindow ||
      options_.stream_window > simple::kMaxStreamWindow)
    return fail("stream window " + std::to_string(options_.stream_window) +
                " is outside 1024..2^32 bytes");
  if (options_.cid_length > simple::kMaxCidLength)
    return fail("client CID length " + std::to_string(options_.cid_length) + " is above 20");
  const auto idle_ms = static_cast<uint64_t>(std::max<int64_t>(0, options_.idle_timeout.count()));
  if (idle_ms > simple::kMaxIdleTimeoutMs)
    return fail(std::string("idle timeout is above 86400000 ms"));

  peer_ = peer;
  auto sock = UdpSocket::openFor(peer_, options_.udp);
  if (!sock) return fail(sock.error());
  socket_ = std::move(sock).value();
  // A connected socket receives only the server's datagrams, and the kernel reports an ICMP
  // port unreachable as ECONNREFUSED on it (an unconnected one never hears of it).
  if (::connect(socket_->fd(), peer_.get(), peer_.size()) != 0)
    return fail("cannot connect UDP socket to " + peer_.toString() + ": " + std::strerror(errno));
  local_ = SocketAddress::localOf(socket_->fd());

  // §7.1: a random initial DCID of 8..20 bytes and our own client CID.
  uint8_t extra = 0;
  if (!randomBytes({&extra, 1})) return fail(std::string("gnutls_rnd failed"));
  initial_dcid_.resize(simple::kMinInitialDcidLength +
                       extra % (simple::kMaxCidLength - simple::kMinInitialDcidLength + 1));
  client_cid_.resize(options_.cid_length);
  if (!randomBytes(initial_dcid_) || !randomBytes(client_cid_))
    return fail(std::string("gnutls_rnd failed"));
  params_.max_datagram = options_.max_datagram;
  params_.stream_window = options_.stream_window;
  params_.idle_timeout_ms = idle_ms;
  tx_.resize(options_.max_datagram);
  close_tx_.resize(options_.max_datagram);

  callbacks_ = std::move(callbacks);
  watchSocket();
  state_ = State::kHandshaking;
  hello_wait_ = kFirstHelloWait;
  // The first HELLO goes out from the loop, so no callback runs inside connect().
  hello_timer_.start(std::chrono::nanoseconds(0));
  handshake_deadline_.start(options_.handshake_timeout);
  Log::debug("simple: connecting", {{"peer", peer_.toString()}, {"local", local_.toString()}});
  return {};
}

void SimpleClientConnection::write(std::span<const uint8_t> data) {
  if (state_ == State::kClosed || state_ == State::kIdle || fin_wanted_ || close_wanted_) return;
  send_.append(data);
  if (state_ == State::kConnected) write_soon_.schedule();  // batch this iteration's writes
}

void SimpleClientConnection::shutdownWrite() {
  if (state_ == State::kClosed || fin_wanted_) return;
  fin_wanted_ = true;
  if (state_ == State::kConnected) write_soon_.schedule();
}

void SimpleClientConnection::close() {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  if (state_ == State::kHandshaking) {
    finish({TransportCloseReason::kClosedByUs, "closed"});
    return;
  }
  if (!conn_->allAcknowledged()) {
    if (!close_wanted_) {
      close_wanted_ = true;  // deliverEvents() closes once everything is acknowledged
      linger_.start(kCloseLinger);
      write_soon_.schedule();
    }
    return;
  }
  closeWithError(ErrorCode::kNoError, "", {TransportCloseReason::kClosedByUs, "closed"});
}

Result<void, std::string> SimpleClientConnection::rebind() {
  if (state_ != State::kConnected) return fail(std::string("not connected"));
  auto sock = UdpSocket::openFor(peer_, options_.udp);
  if (!sock) return fail(sock.error());
  if (::connect(sock.value()->fd(), peer_.get(), peer_.size()) != 0)
    return fail("cannot connect UDP socket to " + peer_.toString() + ": " + std::strerror(errno));
  // What the server had in flight to the old port is lost and recovered like any other loss.
  read_watch_.reset();
  write_watch_.reset();
  blocked_len_ = 0;
  socket_ = std::move(sock).value();
  local_ = SocketAddress::localOf(socket_->fd());
  watchSocket();
  ++rebinds_;
  // §7.2: the server moves the connection on our next (higher-numbered) packet: send one now.
  conn_->ping();
  Log::debug("simple: rebound", {{"local", local_.toString()}, {"peer", peer_.toString()}});
  write_soon_.schedule();
  return {};
}

simple::SimpleConnection::Stats SimpleClientConnection::stats() const {
  return conn_ ? conn_->stats() : simple::SimpleConnection::Stats{};
}

void SimpleClientConnection::watchSocket() {
  read_watch_ =
      std::make_unique<FdWatch>(loop_, socket_->fd(), EV_READ, [this](short) { onReadable(); });
  write_watch_ = std::make_unique<FdWatch>(loop_, socket_->fd(), EV_WRITE, [this](short) {
    write_watch_->disable();
    if (state_ == State::kConnected && writePackets()) updateTimer();
  });
  read_watch_->enable();
}

// ---- SimpleConnection::Stream: record only; deliverEvents() runs the user's callbacks ----

void SimpleClientConnection::onStreamData(std::span<const uint8_t> data, bool fin) {
  rx_.insert(rx_.end(), data.begin(), data.end());
  if (fin) fin_event_ = true;
}

void SimpleClientConnection::onStreamAcked(uint64_t offset, uint64_t len) {
  if (!send_.ack(offset, len)) {
    Log::warn(
        "simple: out-of-order stream ack ignored",
        {{"offset", std::to_string(offset)}, {"expected", std::to_string(send_.ackedOffset())}});
  }
}

void SimpleClientConnection::onFinAcked() {}

void SimpleClientConnection::onPeerClose(uint64_t error_code, std::string_view reason) {
  if (pending_close_) return;
  if (error_code == 0) {
    pending_close_ = TransportClose{TransportCloseReason::kClosedByPeer,
                                    "connection closed by the server", 0, 0, true};
  } else {
    pending_close_ =
        TransportClose{TransportCloseReason::kPeerError,
                       "the server closed the connection with " + describeError(error_code, reason),
                       error_code, 0, true};
  }
}

// ---- I/O ----

void SimpleClientConnection::onReadable() {
  if (state_ == State::kIdle) return;
  const uint64_t errors_before = socket_->receiveErrors();
  (void)socket_->receive(kMaxDatagramsPerRead, [&](const ReceivedDatagram& d) {
    if (state_ == State::kClosed && !close_sent_) return;
    if (pending_close_) return;  // the server closed: the rest of the batch does not matter
    onDatagram(d.data);
  });
  if (state_ == State::kHandshaking && socket_->receiveErrors() > errors_before) {
    // Most likely ECONNREFUSED: an ICMP port unreachable answered our HELLO.
    finish({TransportCloseReason::kConnectFailed,
            "Connection refused (nothing listens on UDP " + peer_.toString() + ")"});
    return;
  }
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  deliverEvents();
  if (state_ != State::kConnected) return;
  if (socket_->hasPending()) write_soon_.schedule();
  if (writePackets()) updateTimer();
}

void SimpleClientConnection::onDatagram(std::span<const uint8_t> datagram) {
  if (datagram.empty()) return;
  debug("recv", datagram);
  if (state_ == State::kClosed) {
    // §7.4: while closing, answer each packet of the connection with our CLOSE, unless it is
    // the server's own CLOSE (then both sides are done: nothing more, or they would ping-pong).
    if ((datagram[0] & 0x80) != 0 || !closing_.pending()) return;
    auto packet = PacketReader::decodeShort(datagram, client_cid_.size());
    if (!packet || !sameBytes(packet->dcid(), client_cid_)) return;
    for (;;) {
      auto frame = packet->nextFrame();
      if (!frame || !frame.value()) break;
      if (std::holds_alternative<simple::CloseFrame>(*frame.value())) {
        closing_.stop();
        if (read_watch_) read_watch_->disable();
        return;
      }
    }
    (void)socket_->send({close_tx_.data(), close_len_}, peer_, nullptr, 0, 0);
    return;
  }
  if ((datagram[0] & 0x80) != 0) {
    onLongHeader(datagram);
  } else if (state_ == State::kConnected) {
    onShortHeader(datagram);
  }
  // A short header before ACCEPT is dropped: the server resends what is not acknowledged.
}

void SimpleClientConnection::onLongHeader(std::span<const uint8_t> datagram) {
  if (state_ != State::kHandshaking) return;  // a repeated ACCEPT, a late COOKIE: nothing new
  // Parameters out of range are checked below: such an ACCEPT ends the handshake (§3.3).
  auto decoded = PacketReader::decodeLongAnyParameters(datagram);
  if (!decoded) {
    Log::debug("simple: undecodable long header dropped",
               {{"error", std::string(simple::toString(decoded.error()))}});
    return;
  }
  const simple::LongPacket& p = decoded.value();
  // §7.1: every answer is addressed to our client CID and names our initial DCID as its SCID
  // (ACCEPT: the server CID instead).
  if (!sameBytes(p.dcid, client_cid_)) return;
  switch (p.type) {
    case LongType::kCookie:
      if (!sameBytes(p.scid, initial_dcid_)) return;
      if (sameBytes(p.cookie, cookie_)) return;  // a repeat: the HELLO timer resends
      cookie_.assign(p.cookie.begin(), p.cookie.end());
      hello_wait_ = kFirstHelloWait;  // progress: a fresh backoff for the HELLO with cookie
      sendHello();
      return;
    case LongType::kAccept:
      if (!simple::parametersInRange(p.params)) {
        finish({TransportCloseReason::kHandshakeFailed,
                "handshake failed: the server's ACCEPT has parameters outside their limits"});
        return;
      }
      onAccept(p);
      return;
    case LongType::kRefuse: {
      if (!sameBytes(p.scid, initial_dcid_)) return;
      const bool refused = p.error_code == static_cast<uint64_t>(ErrorCode::kConnectionRefused);
      finish({refused ? TransportCloseReason::kConnectFailed : TransportCloseReason::kPeerError,
              "the server refused the connection: " + describeError(p.error_code, p.reason),
              p.error_code, 0, true});
      return;
    }
    case LongType::kHello: return;  // not for a client
  }
}

void SimpleClientConnection::onAccept(const simple::LongPacket& accept) {
  hello_timer_.stop();
  handshake_deadline_.stop();
  reset_token_ = accept.reset_token;
  server_cid_length_ = accept.scid.size();
  peer_idle_timeout_ms_ = accept.params.idle_timeout_ms;
  simple::SimpleConnection::Config config;
  config.peer_cid.assign(accept.scid.begin(), accept.scid.end());
  config.local_cid_length = client_cid_.size();
  config.max_datagram =
      static_cast<size_t>(std::min<uint64_t>(params_.max_datagram, accept.params.max_datagram));
  config.local_window = params_.stream_window;
  config.peer_window = accept.params.stream_window;
  simple::SimpleConnection::Stream& stream = *this;  // a private base: convert here
  conn_ = std::make_unique<simple::SimpleConnection>(stream, std::move(config));
  state_ = State::kConnected;
  connected_event_ = true;
  last_received_ns_ = last_sent_ns_ = last_ping_ns_ = monotonicNanos();
  Log::debug("simple: accepted",
             {{"server_max_datagram", std::to_string(accept.params.max_datagram)},
              {"server_window", std::to_string(accept.params.stream_window)},
              {"server_idle_ms", std::to_string(accept.params.idle_timeout_ms)}});
}

bool SimpleClientConnection::isStatelessReset(std::span<const uint8_t> datagram) const {
  // §7.4: a short header (01xxxxxx) whose last 16 bytes are the token from ACCEPT.
  if (datagram.size() < kStatelessResetMin || (datagram[0] & 0xc0) != 0x40) return false;
  return sameBytes(datagram.last(simple::kResetTokenLength), reset_token_);
}

void SimpleClientConnection::onShortHeader(std::span<const uint8_t> datagram) {
  if (isStatelessReset(datagram)) {
    pending_close_ =
        TransportClose{TransportCloseReason::kPeerError,
                       "stateless reset from the server (it lost the connection)", 0, 0, true};
    return;
  }
  if (datagram.size() < 1 + client_cid_.size() ||
      !sameBytes(datagram.subspan(1, client_cid_.size()), client_cid_))
    return;  // not ours
  const uint64_t now = monotonicNanos();
  auto r = conn_->onPacket(datagram, now);
  if (!r) {
    const simple::SimpleConnection::Violation& v = r.error();
    closeWithError(v.code, v.reason,
                   {TransportCloseReason::kProtocolError,
                    "protocol error from the server: " +
                        describeError(static_cast<uint64_t>(v.code), v.reason)});
    return;
  }
  last_received_ns_ = now;
}

void SimpleClientConnection::sendHello() {
  const size_t n = PacketWriter::writeHello(tx_, initial_dcid_, client_cid_, cookie_, params_);
  if (n == 0) {
    finish({TransportCloseReason::kProtocolError, "cannot encode HELLO"});
    return;
  }
  debug("send", {tx_.data(), n});
  // A lost or blocked HELLO is sent again by the HELLO timer.
  (void)socket_->send({tx_.data(), n}, peer_, nullptr, 0, 0);
  hello_timer_.start(hello_wait_);
  hello_wait_ *= 2;  // §7.1: the wait doubles with each retransmission
}

void SimpleClientConnection::onHelloTimer() {
  if (state_ == State::kHandshaking) sendHello();
}

// ---- connected: the connection's timers, idle timeout, keepalive ----

uint64_t SimpleClientConnection::effectiveIdleNs() const {
  // §7.3: the smaller of the two non-zero Idle Timeouts; none when both are 0.
  const uint64_t ours = params_.idle_timeout_ms;
  const uint64_t theirs = peer_idle_timeout_ms_;
  uint64_t ms = 0;
  if (ours == 0)
    ms = theirs;
  else if (theirs == 0)
    ms = ours;
  else
    ms = std::min(ours, theirs);
  return ms * kNsPerMs;
}

uint64_t SimpleClientConnection::keepAliveNs() const {
  if (options_.keep_alive.count() > 0)
    return static_cast<uint64_t>(options_.keep_alive.count()) * kNsPerMs;
  return effectiveIdleNs() / 2;  // 0: no keepalive needed
}

void SimpleClientConnection::updateTimer() {
  if (state_ != State::kConnected) return;
  uint64_t deadline = conn_->nextTimeout();
  if (const uint64_t idle = effectiveIdleNs(); idle > 0)
    deadline = std::min(deadline, last_received_ns_ + idle);
  if (const uint64_t keep = keepAliveNs(); keep > 0)
    deadline = std::min(deadline, std::max(last_sent_ns_, last_ping_ns_) + keep);
  timer_.startAt(deadline);
}

void SimpleClientConnection::onTimer() {
  if (state_ != State::kConnected) return;
  const uint64_t now = monotonicNanos();
  if (const uint64_t idle = effectiveIdleNs(); idle > 0 && now >= last_received_ns_ + idle) {
    // §7.3: forget the connection without a word.
    finish({TransportCloseReason::kIdleTimeout, "idle timeout: nothing heard from the server"});
    return;
  }
  if (const uint64_t keep = keepAliveNs();
      keep > 0 && now >= std::max(last_sent_ns_, last_ping_ns_) + keep) {
    conn_->ping();
    last_ping_ns_ = now;
  }
  if (now >= conn_->nextTimeout()) conn_->onTimer(now);
  if (writePackets()) updateTimer();
}

bool SimpleClientConnection::sendDatagram(size_t len) {
  debug("send", {tx_.data(), len});
  switch (socket_->send({tx_.data(), len}, peer_, nullptr, 0, 0)) {
    case SendResult::kSent: last_sent_ns_ = monotonicNanos(); return true;
    case SendResult::kBlocked:
      blocked_len_ = len;
      write_watch_->enable();
      return false;
    case SendResult::kError:
      // Dropped; loss recovery sends the data again. An unreachable server ends in the idle
      // timeout.
      return true;
  }
  return true;
}

bool SimpleClientConnection::writePackets() {
  if (state_ != State::kConnected) return state_ != State::kClosed;
  if (blocked_len_ > 0) {
    const size_t len = blocked_len_;
    blocked_len_ = 0;
    if (!sendDatagram(len)) return true;  // still blocked; write_watch_ calls back
  }
  const uint64_t now = monotonicNanos();
  for (size_t n = 0; n < kMaxPacketsPerWrite; ++n) {
    const size_t len = conn_->writePacket(tx_, now);
    if (len == 0) return true;
    if (!sendDatagram(len)) return true;
  }
  write_soon_.schedule();  // more to send: after the loop has read the socket
  return true;
}

void SimpleClientConnection::deliverEvents() {
  if (connected_event_) {
    connected_event_ = false;
    if (callbacks_.on_connected) callbacks_.on_connected();
    if (state_ == State::kClosed) return;
  }
  if (!rx_.empty()) {
    std::vector<uint8_t> data;
    data.swap(rx_);
    if (callbacks_.on_data) callbacks_.on_data(data);
    if (state_ == State::kClosed) return;
    conn_->consumed(data.size());  // §5.4: the window moves (MAX_DATA)
  }
  if (fin_event_ && !fin_delivered_) {
    fin_delivered_ = true;
    if (callbacks_.on_fin) callbacks_.on_fin();
    if (state_ == State::kClosed) return;
  }
  if (pending_close_) {
    TransportClose c = std::move(*pending_close_);
    pending_close_.reset();
    finish(std::move(c));  // §7.4: after a CLOSE (or a reset) we send nothing more
    return;
  }
  if (close_wanted_ && conn_->allAcknowledged()) {
    closeWithError(ErrorCode::kNoError, "", {TransportCloseReason::kClosedByUs, "closed"});
  }
}

void SimpleClientConnection::closeWithError(ErrorCode code, std::string_view reason,
                                            TransportClose close) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kConnected && conn_ && !close_sent_) {
    if (blocked_len_ > 0) blocked_len_ = 0;  // CLOSE replaces it; loss no longer matters
    close_len_ = conn_->writeClose(close_tx_, code, reason);
    if (close_len_ > 0) {
      debug("send", {close_tx_.data(), close_len_});
      (void)socket_->send({close_tx_.data(), close_len_}, peer_, nullptr, 0, 0);
      close_sent_ = true;
      // §7.4: repeat it for 3 x PTO to packets that still arrive.
      closing_.start(std::chrono::nanoseconds(3 * conn_->probeTimeoutNs()));
    }
  }
  if (code != ErrorCode::kNoError && close.error_code == 0 && !close.remote)
    close.error_code = static_cast<uint64_t>(code);
  finish(std::move(close));
}

void SimpleClientConnection::finish(TransportClose close) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  timer_.stop();
  hello_timer_.stop();
  handshake_deadline_.stop();
  linger_.stop();
  write_soon_.cancel();
  if (write_watch_) write_watch_->disable();
  if (read_watch_ && !close_sent_) read_watch_->disable();
  Log::debug("simple: closed",
             {{"reason", std::string(toString(close.reason))}, {"text", close.text}});
  if (callbacks_.on_closed) callbacks_.on_closed(close);
}

void SimpleClientConnection::debug(std::string_view what, std::span<const uint8_t> datagram) const {
  if (!options_.debug_log || datagram.empty()) return;
  const int what_len = static_cast<int>(what.size());
  if ((datagram[0] & 0x80) != 0) {
    const std::string_view type = longTypeName(datagram[0]);
    std::fprintf(stderr, "simple: %.*s %.*s, %zu bytes\n", what_len, what.data(),
                 static_cast<int>(type.size()), type.data(), datagram.size());
    return;
  }
  // Short header: byte 0, the receiver's CID, the packet number (§3.2).
  size_t pos = 1 + (what == "send" ? server_cid_length_ : client_cid_.size());
  const auto pn = PacketReader::readVarint(datagram, pos);
  std::fprintf(stderr, "simple: %.*s short header, packet %lld, %zu bytes\n", what_len, what.data(),
               pn ? static_cast<long long>(*pn) : -1LL, datagram.size());
}

}  // namespace mqttd::client
