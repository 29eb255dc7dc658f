// TcpFrontend: the plain MQTT-over-TCP listener. Each accepted connection becomes a Splice,
// which this frontend owns until it is done.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/connection_budget.h"
#include "net/tcp_listener.h"
#include "splice/splice.h"

namespace mqttd {

class TcpFrontend {
 public:
  // Builds the context each new Splice copies (it reflects the config in force then).
  using ContextSource = std::function<SpliceContext()>;

  // `reuse_port`: SO_REUSEPORT, one listener per worker on the same port. `budget` counts the
  // TCP connections of the whole process against limits.max_connections (borrowed; outlives
  // this frontend).
  static Result<std::unique_ptr<TcpFrontend>, std::string> open(EventLoop& loop,
                                                                const SocketAddress& address,
                                                                int backlog,
                                                                ContextSource context,
                                                                std::function<uint64_t()> next_id,
                                                                ConnectionBudget& budget,
                                                                bool reuse_port = false);
  ~TcpFrontend();
  TcpFrontend(const TcpFrontend&) = delete;
  TcpFrontend& operator=(const TcpFrontend&) = delete;

  const SocketAddress& address() const { return listener_->address(); }
  // Open connections of this frontend; safe to read from any thread.
  size_t connectionCount() const { return count_.load(std::memory_order_relaxed); }
  // Connections accepted, ever; any thread.
  uint64_t connectionsAccepted() const { return accepted_.load(std::memory_order_relaxed); }
  // Called whenever a connection ends (drain progress), on this frontend's loop.
  void setOnConnectionClosed(std::function<void()> fn) { on_closed_ = std::move(fn); }

  // Drain: stop accepting new connections.
  void stopAccepting() { listener_->disable(); }
  // Asks every connection to close (v5 clients get DISCONNECT 0x8B).
  void shutdownAll();
  // Appends one JSON object per connection, comma-separated, to `out`.
  void appendJson(std::string& out) const;

 private:
  TcpFrontend(EventLoop& loop, ContextSource context, std::function<uint64_t()> next_id,
              ConnectionBudget& budget)
      : loop_(loop), context_(std::move(context)), next_id_(std::move(next_id)), budget_(budget) {}
  void onAccept(UniqueFd fd, const SocketAddress& peer);

  EventLoop& loop_;
  ContextSource context_;
  std::function<uint64_t()> next_id_;
  ConnectionBudget& budget_;
  std::function<void()> on_closed_;
  std::atomic<size_t> count_{0};       // splices_.size(), readable from any thread
  std::atomic<uint64_t> accepted_{0};  // splices started, ever
  std::unique_ptr<TcpListener> listener_;
  std::map<uint64_t, std::unique_ptr<Splice>> splices_;  // owned; keyed by connection id
};

}  // namespace mqttd
