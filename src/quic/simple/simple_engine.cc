#include "quic/simple/simple_engine.h"

#include <ngtcp2/ngtcp2_crypto.h>

#include <chrono>

#include "core/clock.h"
#include "core/log.h"
#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::simple {
namespace {

uint64_t wallSeconds() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

SimpleEngine::SimpleEngine(const EngineContext& context, const QuicListenerConfig& config)
    : context_(context),
      config_(config),
      cids_(context.server_id, context.worker_id),
      cookies_(context.secret) {}

SimpleEngine::~SimpleEngine() {
  for (size_t i = 0; i < sessions_.size(); ++i) context_.budget.release();
  sessions_.clear();
}

void SimpleEngine::onHello(const ReceivedDatagram& datagram) {
  // Parameters are checked below, once the cookie has validated the address (§3.3: REFUSE).
  auto hello = PacketReader::decodeLongAnyParameters(datagram.data);
  // Anything but a well-formed HELLO is dropped without an answer: a server never answers a
  // COOKIE/ACCEPT/REFUSE (no loops between two servers), nor a HELLO under 128 bytes (§3.1).
  // §7.1: the initial DCID is 8..20 bytes.
  if (!hello || hello->type != LongType::kHello || hello->dcid.size() < kMinInitialDcidLength) {
    ++dropped_;
    context_.metrics.addQuicEvent(QuicEvent::kSimpleHandshakeInvalid);
    return;
  }
  const uint64_t now_s = wallSeconds();
  if (!cookies_.verify(hello->cookie, datagram.peer, hello->dcid, hello->scid, now_s)) {
    if (!reply_limiter_.allow(monotonicNanos())) {
      context_.metrics.addQuicEvent(QuicEvent::kRepliesRateLimited);
      return;
    }
    const HelloCookie::Bytes cookie =
        cookies_.issue(datagram.peer, hello->dcid, hello->scid, now_s);
    uint8_t out[128];
    const size_t n = PacketWriter::writeCookie(out, hello->scid, hello->dcid, cookie);
    // Amplification factor at most 1 (§7.1, §11); always true for a HELLO of >= 128 bytes.
    if (n == 0 || n > datagram.data.size()) return;
    send({out, n}, datagram.peer, datagram.local);
    context_.metrics.addQuicEvent(QuicEvent::kSimpleCookieSent);
    return;
  }
  // The address is validated from here on.
  if (!parametersInRange(hello->params)) {
    context_.metrics.addQuicEvent(QuicEvent::kSimpleHandshakeInvalid);
    refuse(*hello, datagram, ErrorCode::kProtocolViolation, "parameter out of range");
    return;
  }
  const size_t max_connections = context_.splice_context().limits.max_connections;
  if (!accepting_ || !context_.budget.tryAcquire(max_connections)) {
    if (accepting_) context_.metrics.addError(ErrorKind::kConnectionLimit);
    context_.metrics.addQuicEvent(QuicEvent::kConnectionRefused);
    refuse(*hello, datagram, ErrorCode::kConnectionRefused,
           accepting_ ? "connection limit reached" : "gateway is shutting down");
    return;
  }
  const ngtcp2_cid cid = cids_.generate();
  std::array<uint8_t, kResetTokenLength> token{};
  if (ngtcp2_crypto_generate_stateless_reset_token(token.data(), context_.secret->data(),
                                                   context_.secret->size(), &cid) != 0) {
    context_.budget.release();
    return;
  }
  auto session = SimpleSession::create(
      context_.loop, *this, config_,
      SimpleSession::Accept{*hello, datagram, {cid.data, cid.datalen}, token});
  if (!session) {
    context_.budget.release();
    Log::warn("cannot create simple-framer session: connection ID taken",
              {{"peer", datagram.peer.toString()}});
    return;
  }
  SimpleSession* raw = session.get();
  sessions_.emplace(raw, std::move(session));
  session_count_.store(sessions_.size(), std::memory_order_relaxed);
  sessions_accepted_.fetch_add(1, std::memory_order_relaxed);
}

void SimpleEngine::refuse(const LongPacket& hello, const ReceivedDatagram& datagram,
                          ErrorCode code, std::string_view reason) {
  if (!reply_limiter_.allow(monotonicNanos())) {
    context_.metrics.addQuicEvent(QuicEvent::kRepliesRateLimited);
    return;
  }
  uint8_t out[256];
  const size_t n = PacketWriter::writeRefuse(out, hello.scid, hello.dcid, code, reason);
  if (n > 0) send({out, n}, datagram.peer, datagram.local);
}

void SimpleEngine::send(std::span<const uint8_t> packet, const SocketAddress& peer,
                        const SocketAddress& local) {
  // A blocked socket drops the packet: the framer's loss recovery resends (§5.3).
  (void)context_.socket.send(packet, peer, local.empty() ? nullptr : &local, 0, 0);
}

bool SimpleEngine::associate(std::span<const uint8_t> cid, SimpleSession& session) {
  return context_.tracker.add(cidKey(cid.data(), cid.size()), &session);
}

void SimpleEngine::sessionFinished(SimpleSession& session) {
  context_.tracker.removeAll(&session);
  std::weak_ptr<bool> alive = alive_;
  SimpleSession* raw = &session;
  context_.loop.callLater([this, alive, raw] {
    if (alive.expired()) return;
    if (sessions_.erase(raw) > 0) context_.budget.release();
    session_count_.store(sessions_.size(), std::memory_order_relaxed);
    if (on_session_finished_) on_session_finished_();
  });
}

void SimpleEngine::shutdownAll() {
  for (auto& [raw, session] : sessions_) session->shutdown();
}

void SimpleEngine::appendJson(std::string& out) const {
  for (const auto& [raw, session] : sessions_) session->appendJson(out);
}

}  // namespace mqttd::simple
