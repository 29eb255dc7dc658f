// Ngtcp2Engine: the QUIC v1 front end of one worker: accepts Initials (address validation with
// Retry and NEW_TOKEN tokens), creates and owns the sessions, answers unknown short headers with
// rate-limited stateless resets, and sends every datagram the sessions write.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "admin/metrics.h"
#include "core/connection_budget.h"
#include "core/event_loop.h"
#include "mqttd/config.h"
#include "net/udp_socket.h"
#include "quic/connection_id.h"
#include "quic/connection_tracker.h"
#include "quic/engine_context.h"
#include "quic/ngtcp2/ngtcp2_session.h"
#include "quic/ngtcp2/session_host.h"
#include "quic/ngtcp2/static_secret.h"
#include "quic/ngtcp2/tls_server_context.h"
#include "quic/rate_limiter.h"

namespace mqttd {

class Ngtcp2Engine final : private Ngtcp2SessionHost {
 public:
  // `tls`: the listener's TLS context, shared by every worker's engine (read-only).
  Ngtcp2Engine(const EngineContext& context, std::shared_ptr<const TlsServerContext> tls,
               const QuicListenerConfig& config);
  ~Ngtcp2Engine();
  Ngtcp2Engine(const Ngtcp2Engine&) = delete;
  Ngtcp2Engine& operator=(const Ngtcp2Engine&) = delete;

  // A long-header v1 packet whose DCID no session owns: maybe a new connection.
  void onNewInitial(const ReceivedDatagram& datagram);
  // A short-header packet whose DCID no session owns (RFC 9000 §10.3).
  void onUnknownShortHeader(const ReceivedDatagram& datagram, const uint8_t* dcid, size_t dcidlen);

  // Sessions of this engine; safe to read from any thread.
  size_t sessionCount() const { return session_count_.load(std::memory_order_relaxed); }
  // Sessions this engine ever created; safe to read from any thread.
  uint64_t sessionsAccepted() const { return sessions_accepted_.load(std::memory_order_relaxed); }
  // Drain: new connections are refused (CONNECTION_REFUSED); open ones carry on.
  void stopAccepting() { accepting_ = false; }
  // Gateway drain: every session closes its splices, then itself.
  void shutdownAll();
  void appendJson(std::string& out) const;
  void setOnSessionFinished(std::function<void()> fn) { on_session_finished_ = std::move(fn); }

 private:
  // Ngtcp2SessionHost
  void sendPacket(std::span<const uint8_t> data, const SocketAddress& peer,
                  const SocketAddress& local, uint8_t ecn, size_t gso_size) override;
  uint8_t* txBuffer() override { return tx_.get(); }
  ngtcp2_cid newConnectionId() override { return cids_.generate(); }
  bool associate(const ngtcp2_cid& cid, Ngtcp2Session& session) override;
  void dissociate(const ngtcp2_cid& cid) override;
  bool resetToken(const ngtcp2_cid& cid, uint8_t* token) override;
  size_t newToken(const SocketAddress& peer, uint8_t* out, size_t cap) override;
  SpliceContext spliceContext() override { return context_.splice_context(); }
  uint64_t nextConnectionId() override { return context_.next_id(); }
  void sessionFinished(Ngtcp2Session& session) override;

  void sendRetry(const ngtcp2_pkt_hd& hd, const ReceivedDatagram& datagram);
  void sendStatelessClose(const ngtcp2_pkt_hd& hd, const ReceivedDatagram& datagram,
                          uint64_t error_code);
  size_t handshakesInProgress() const;
  void refuse(const ngtcp2_pkt_hd& hd, const ReceivedDatagram& datagram);

  EngineContext context_;
  const QuicListenerConfig config_;
  std::shared_ptr<const TlsServerContext> tls_;
  ConnectionIdGenerator cids_;
  std::unique_ptr<uint8_t[]> tx_ = std::make_unique<uint8_t[]>(kTxBufferSize);
  std::atomic<size_t> session_count_{0};        // sessions_.size(), readable from any thread
  std::atomic<uint64_t> sessions_accepted_{0};  // sessions created, ever
  RateLimiter reply_limiter_{200, 400};  // Retry, stateless close/reset: replies per second
  std::map<Ngtcp2Session*, std::unique_ptr<Ngtcp2Session>> sessions_;  // owned
  std::function<void()> on_session_finished_;
  bool accepting_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mqttd
