#include "quic/ngtcp2/ngtcp2_engine.h"

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <chrono>

#include "core/clock.h"
#include "core/log.h"

namespace mqttd {
namespace {

// Retry tokens live 10 s, NEW_TOKEN tokens an hour (wall clock: ngtcp2-0.12 notes, pitfall 8).
constexpr uint64_t kRetryTokenLifetime = 10 * NGTCP2_SECONDS;
constexpr uint64_t kRegularTokenLifetime = 3600 * NGTCP2_SECONDS;

uint64_t wallNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Ngtcp2Engine::Ngtcp2Engine(const EngineContext& context,
                           std::shared_ptr<const TlsServerContext> tls,
                           const QuicListenerConfig& config)
    : context_(context),
      config_(config),
      tls_(std::move(tls)),
      cids_(context.server_id, context.worker_id) {}

Ngtcp2Engine::~Ngtcp2Engine() {
  for (size_t i = 0; i < sessions_.size(); ++i) context_.budget.release();
}

void Ngtcp2Engine::refuse(const ngtcp2_pkt_hd& hd, const ReceivedDatagram& datagram) {
  if (accepting_) context_.metrics.addError(ErrorKind::kConnectionLimit);
  context_.metrics.addQuicEvent(QuicEvent::kConnectionRefused);
  sendStatelessClose(hd, datagram, NGTCP2_CONNECTION_REFUSED);
}

void Ngtcp2Engine::onNewInitial(const ReceivedDatagram& datagram) {
  ngtcp2_pkt_hd hd;
  if (int rv = ngtcp2_accept(&hd, datagram.data.data(), datagram.data.size()); rv != 0) {
    if (rv == NGTCP2_ERR_RETRY) sendRetry(hd, datagram);
    return;  // not a valid first Initial: drop silently
  }
  const size_t max_connections = context_.splice_context().limits.max_connections;
  if (!accepting_ || context_.budget.current() >= max_connections) {
    refuse(hd, datagram);
    return;
  }
  ngtcp2_cid original_dcid{};
  const ngtcp2_cid* odcid = nullptr;
  bool validated = false;
  if (hd.token.len > 0) {
    const uint64_t now = wallNanos();
    if (hd.token.base[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
      if (ngtcp2_crypto_verify_retry_token(&original_dcid, hd.token.base, hd.token.len,
                                           context_.secret->data(), context_.secret->size(), hd.version,
                                           datagram.peer.get(), datagram.peer.size(), &hd.dcid,
                                           kRetryTokenLifetime, now) != 0) {
        sendStatelessClose(hd, datagram, NGTCP2_INVALID_TOKEN);
        return;
      }
      odcid = &original_dcid;
      validated = true;
    } else if (hd.token.base[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_REGULAR &&
               ngtcp2_crypto_verify_regular_token(hd.token.base, hd.token.len, context_.secret->data(),
                                                  context_.secret->size(), datagram.peer.get(),
                                                  datagram.peer.size(), kRegularTokenLifetime,
                                                  now) == 0) {
      validated = true;
    } else {
      hd.token = ngtcp2_vec{nullptr, 0};  // unknown or stale: as if there were none
    }
  }
  const bool want_retry =
      config_.retry == RetryMode::kAlways ||
      (config_.retry == RetryMode::kAuto && handshakesInProgress() >= config_.retry_threshold);
  if (!validated && want_retry) {
    sendRetry(hd, datagram);
    return;
  }
  // Another worker may have taken the last slot since the check above.
  if (!context_.budget.tryAcquire(max_connections)) {
    refuse(hd, datagram);
    return;
  }
  auto session = Ngtcp2Session::create(context_.loop, *this, config_, *tls_,
                                       Ngtcp2Session::Accept{hd, odcid, datagram});
  if (!session) {
    context_.budget.release();
    Log::warn("cannot create QUIC session",
              {{"peer", datagram.peer.toString()}, {"error", session.error()}});
    return;
  }
  Ngtcp2Session* raw = session->get();
  sessions_.emplace(raw, std::move(*session));
  session_count_.store(sessions_.size(), std::memory_order_relaxed);
  sessions_accepted_.fetch_add(1, std::memory_order_relaxed);
  raw->onDatagram(datagram);
}

void Ngtcp2Engine::onUnknownShortHeader(const ReceivedDatagram& datagram, const uint8_t* dcid,
                                        size_t dcidlen) {
  // RFC 9000 §10.3: smaller than the packet that triggered it (no loops, no amplification),
  // at least 21 bytes; the token is derived from the DCID so a forgotten connection still
  // recognises it.
  const size_t size = std::min<size_t>(datagram.data.size() - 1, 43);
  if (size < 1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN ||
      dcidlen != ConnectionIdGenerator::kLength)
    return;
  if (!reply_limiter_.allow(monotonicNanos())) {
    context_.metrics.addQuicEvent(QuicEvent::kRepliesRateLimited);
    return;
  }
  ngtcp2_cid cid;
  ngtcp2_cid_init(&cid, dcid, dcidlen);
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  if (!resetToken(cid, token)) return;
  uint8_t random[64];
  const size_t randlen = size - 1 - NGTCP2_STATELESS_RESET_TOKENLEN;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, random, randlen);
  uint8_t out[64];
  const ngtcp2_ssize n = ngtcp2_pkt_write_stateless_reset(out, sizeof out, token, random, randlen);
  if (n <= 0) return;
  sendPacket({out, static_cast<size_t>(n)}, datagram.peer, datagram.local, 0, 0);
  context_.metrics.addQuicEvent(QuicEvent::kStatelessResetSent);
}

void Ngtcp2Engine::sendRetry(const ngtcp2_pkt_hd& hd, const ReceivedDatagram& datagram) {
  if (!reply_limiter_.allow(monotonicNanos())) {
    context_.metrics.addQuicEvent(QuicEvent::kRepliesRateLimited);
    return;
  }
  const ngtcp2_cid retry_scid = cids_.generate();
  uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
  const ngtcp2_ssize tokenlen = ngtcp2_crypto_generate_retry_token(
      token, context_.secret->data(), context_.secret->size(), hd.version, datagram.peer.get(),
      datagram.peer.size(), &retry_scid, &hd.dcid, wallNanos());
  if (tokenlen < 0) return;
  uint8_t out[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
  // Never more than 3x what the client sent before its address is validated (RFC 9000 §8.1).
  const size_t cap = std::min(sizeof out, datagram.data.size() * 3);
  const ngtcp2_ssize n = ngtcp2_crypto_write_retry(out, cap, hd.version, &hd.scid, &retry_scid,
                                                   &hd.dcid, token,
                                                   static_cast<size_t>(tokenlen));
  if (n <= 0) return;
  sendPacket({out, static_cast<size_t>(n)}, datagram.peer, datagram.local, 0, 0);
  context_.metrics.addQuicEvent(QuicEvent::kRetrySent);
}

void Ngtcp2Engine::sendStatelessClose(const ngtcp2_pkt_hd& hd, const ReceivedDatagram& datagram,
                                      uint64_t error_code) {
  if (!reply_limiter_.allow(monotonicNanos())) {
    context_.metrics.addQuicEvent(QuicEvent::kRepliesRateLimited);
    return;
  }
  uint8_t out[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
  const size_t cap = std::min(sizeof out, datagram.data.size() * 3);
  const ngtcp2_ssize n = ngtcp2_crypto_write_connection_close(out, cap, hd.version, &hd.scid,
                                                              &hd.dcid, error_code, nullptr, 0);
  if (n > 0) sendPacket({out, static_cast<size_t>(n)}, datagram.peer, datagram.local, 0, 0);
}

size_t Ngtcp2Engine::handshakesInProgress() const {
  size_t n = 0;
  for (const auto& [raw, session] : sessions_)
    if (!session->handshakeDone()) ++n;
  return n;
}

void Ngtcp2Engine::sendPacket(std::span<const uint8_t> data, const SocketAddress& peer,
                              const SocketAddress& local, uint8_t ecn, size_t gso_size) {
  // A blocked socket drops the batch: QUIC's loss recovery resends (counted by the socket).
  (void)context_.socket.send(data, peer, local.empty() ? nullptr : &local, ecn, gso_size);
}

bool Ngtcp2Engine::associate(const ngtcp2_cid& cid, Ngtcp2Session& session) {
  return context_.tracker.add(cidKey(cid), &session);
}

void Ngtcp2Engine::dissociate(const ngtcp2_cid& cid) { context_.tracker.remove(cidKey(cid)); }

bool Ngtcp2Engine::resetToken(const ngtcp2_cid& cid, uint8_t* token) {
  return ngtcp2_crypto_generate_stateless_reset_token(token, context_.secret->data(), context_.secret->size(),
                                                      &cid) == 0;
}

size_t Ngtcp2Engine::newToken(const SocketAddress& peer, uint8_t* out, size_t cap) {
  if (cap < NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN) return 0;
  const ngtcp2_ssize n = ngtcp2_crypto_generate_regular_token(
      out, context_.secret->data(), context_.secret->size(), peer.get(), peer.size(), wallNanos());
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void Ngtcp2Engine::sessionFinished(Ngtcp2Session& session) {
  context_.tracker.removeAll(&session);
  std::weak_ptr<bool> alive = alive_;
  Ngtcp2Session* raw = &session;
  context_.loop.callLater([this, alive, raw] {
    if (alive.expired()) return;
    if (sessions_.erase(raw) > 0) context_.budget.release();
    session_count_.store(sessions_.size(), std::memory_order_relaxed);
    if (on_session_finished_) on_session_finished_();
  });
}

void Ngtcp2Engine::shutdownAll() {
  for (auto& [raw, session] : sessions_) session->shutdown();
}

void Ngtcp2Engine::appendJson(std::string& out) const {
  for (const auto& [raw, session] : sessions_) session->appendJson(out);
}

}  // namespace mqttd
