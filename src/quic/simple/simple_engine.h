// SimpleEngine: the simple framer's front end of one worker (docs/simple-framing.md): answers
// HELLOs statelessly with COOKIEs until one carries a valid cookie, then creates and owns the
// SimpleSession; refuses (REFUSE CONNECTION_REFUSED) when draining or at the connection limit.
// Sessions share the Dispatcher's ConnectionTracker with the ngtcp2 engine.
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
#include "quic/ngtcp2/static_secret.h"
#include "quic/rate_limiter.h"
#include "quic/simple/hello_cookie.h"
#include "quic/simple/simple_session.h"
#include "splice/splice.h"

namespace mqttd::simple {

class SimpleEngine final : private SimpleSessionHost {
 public:
  SimpleEngine(const EngineContext& context, const QuicListenerConfig& config);
  ~SimpleEngine();
  SimpleEngine(const SimpleEngine&) = delete;
  SimpleEngine& operator=(const SimpleEngine&) = delete;

  // A long header of the simple framer's version whose DCID no session owns (a HELLO).
  void onHello(const ReceivedDatagram& datagram);

  size_t sessionCount() const { return session_count_.load(std::memory_order_relaxed); }
  uint64_t sessionsAccepted() const { return sessions_accepted_.load(std::memory_order_relaxed); }
  void stopAccepting() { accepting_ = false; }
  void shutdownAll();
  void appendJson(std::string& out) const;
  void setOnSessionFinished(std::function<void()> fn) { on_session_finished_ = std::move(fn); }
  uint64_t dropped() const { return dropped_; }  // invalid or unanswered HELLOs

 private:
  // SimpleSessionHost
  void send(std::span<const uint8_t> packet, const SocketAddress& peer,
            const SocketAddress& local) override;
  uint8_t* txBuffer() override { return tx_.get(); }
  bool associate(std::span<const uint8_t> cid, SimpleSession& session) override;
  SpliceContext spliceContext() override { return context_.splice_context(); }
  uint64_t nextConnectionId() override { return context_.next_id(); }
  Metrics& metrics() override { return context_.metrics; }
  void sessionFinished(SimpleSession& session) override;

  void refuse(const LongPacket& hello, const ReceivedDatagram& datagram, ErrorCode code,
              std::string_view reason);

  EngineContext context_;
  const QuicListenerConfig config_;
  ConnectionIdGenerator cids_;
  HelloCookie cookies_;
  std::unique_ptr<uint8_t[]> tx_ = std::make_unique<uint8_t[]>(kSimpleTxBufferSize);
  RateLimiter reply_limiter_{1000, 2000};  // COOKIE and REFUSE replies per second
  std::atomic<size_t> session_count_{0};
  std::atomic<uint64_t> sessions_accepted_{0};
  std::map<SimpleSession*, std::unique_ptr<SimpleSession>> sessions_;  // owned
  std::function<void()> on_session_finished_;
  uint64_t dropped_ = 0;
  bool accepting_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mqttd::simple
