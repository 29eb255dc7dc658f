// Worker: one event loop with its own listeners (a UDP socket and a TCP listener on the
// configured ports, SO_REUSEPORT when there are several workers) and the connections they
// accept. Nothing session-related is shared between workers; they talk through each other's
// inbox (EventLoop::callLater). Worker 0 runs on the main thread's loop (next to the admin
// server, signals and the broker probe); every other worker owns a loop and a thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "admin/metrics.h"
#include "core/connection_budget.h"
#include "core/event_loop.h"
#include "route/router.h"
#include "server/live_settings.h"
#include "server/quic_frontend.h"
#include "server/tcp_frontend.h"

namespace mqttd {

class Worker {
 public:
  // Process-wide things every worker uses; all outlive the workers and are thread-safe.
  struct Shared {
    Metrics& metrics;
    LiveSettings& settings;                       // the config in force for new connections
    Router& router;                               // the routes in force (docs/routing.md)
    std::atomic<uint64_t>& next_connection_id;    // ids for logs and /connections
    ConnectionBudget& quic_budget;                // limits.max_connections, QUIC
    ConnectionBudget& tcp_budget;                 // limits.max_connections, TCP
    std::shared_ptr<const TlsServerContext> tls;  // null without a QUIC listener
    std::shared_ptr<const StaticSecret> secret;   // null without a QUIC listener
    uint8_t worker_count = 1;
    // Delivers a datagram to worker `owner` (its handOver()); called on this worker's thread.
    std::function<void(uint8_t owner, const ReceivedDatagram&)> hand_over;
    // A connection of this worker ended; called on this worker's thread.
    std::function<void()> on_connection_closed;
  };

  // `main_loop`: run on that loop (the main thread's); nullptr: own loop, own thread.
  Worker(uint8_t id, Shared shared, EventLoop* main_loop);
  ~Worker();  // stops the thread if it runs
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start(): bind this worker's listeners (on the caller's thread; the loop is idle).
  Result<void, std::string> listenTcp(const SocketAddress& address, int backlog, bool reuse_port);
  Result<void, std::string> listenQuic(const QuicListenerConfig& config,
                                       const SocketAddress& address, bool reuse_port);
  // Starts the thread (nothing for a worker on the main loop).
  void start();
  // Stops the loop and joins the thread (nothing for a worker on the main loop).
  void stop();

  uint8_t id() const { return id_; }
  bool onMainLoop() const { return thread_loop_ == nullptr; }
  // Runs `fn` on this worker's loop: its inbox. Safe from any thread.
  void post(std::function<void()> fn) { loop_.callLater(std::move(fn)); }
  // From another worker's thread: a copy of `datagram` goes to this worker's inbox and is
  // dispatched there as if this worker's socket had read it (never handed on again).
  void handOver(const ReceivedDatagram& datagram);

  // Open connections (QUIC and TCP); safe from any thread.
  size_t connectionCount() const;
  // Connections (QUIC and TCP) this worker ever accepted; safe from any thread.
  uint64_t connectionsAccepted() const;
  const TcpFrontend* tcp() const { return tcp_.get(); }
  const QuicFrontend* quic() const { return quic_.get(); }

  // On this worker's thread only:
  void stopAccepting();
  void shutdownAll();
  std::string connectionsJson() const;  // a JSON array, "[...]"

 private:
  SpliceContext spliceContext();
  uint64_t nextConnectionId();

  const uint8_t id_;
  Shared shared_;
  std::unique_ptr<EventLoop> thread_loop_;  // null: runs on the main loop
  EventLoop& loop_;
  std::unique_ptr<TcpFrontend> tcp_;
  std::unique_ptr<QuicFrontend> quic_;
  std::thread thread_;
};

}  // namespace mqttd
