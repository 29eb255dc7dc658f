// TcpFrontend: the plain MQTT-over-TCP listener. Each accepted connection becomes a Splice,
// which this frontend owns until it is done.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "net/tcp_listener.h"
#include "splice/splice.h"

namespace mqttd {

class TcpFrontend {
 public:
  // Builds the context each new Splice copies (it reflects the config in force then).
  using ContextSource = std::function<SpliceContext()>;

  static Result<std::unique_ptr<TcpFrontend>, std::string> open(EventLoop& loop,
                                                                const SocketAddress& address,
                                                                int backlog,
                                                                ContextSource context,
                                                                std::function<uint64_t()> next_id);
  TcpFrontend(const TcpFrontend&) = delete;
  TcpFrontend& operator=(const TcpFrontend&) = delete;

  const SocketAddress& address() const { return listener_->address(); }
  size_t connectionCount() const { return splices_.size(); }
  // Called whenever a connection ends (drain progress).
  void setOnConnectionClosed(std::function<void()> fn) { on_closed_ = std::move(fn); }

  // Drain: stop accepting new connections.
  void stopAccepting() { listener_->disable(); }
  // Asks every connection to close (v5 clients get DISCONNECT 0x8B).
  void shutdownAll();
  // Appends one JSON object per connection, comma-separated, to `out`.
  void appendJson(std::string& out) const;

 private:
  TcpFrontend(EventLoop& loop, ContextSource context, std::function<uint64_t()> next_id)
      : loop_(loop), context_(std::move(context)), next_id_(std::move(next_id)) {}
  void onAccept(UniqueFd fd, const SocketAddress& peer);

  EventLoop& loop_;
  ContextSource context_;
  std::function<uint64_t()> next_id_;
  std::function<void()> on_closed_;
  std::unique_ptr<TcpListener> listener_;
  std::map<uint64_t, std::unique_ptr<Splice>> splices_;  // owned; keyed by connection id
};

}  // namespace mqttd
