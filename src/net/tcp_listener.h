// TcpListener: a listening TCP socket that hands accepted connections to a callback.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/unique_fd.h"
#include "net/socket_address.h"

struct evconnlistener;

namespace mqttd {

class EventLoop;

class TcpListener {
 public:
  using AcceptCallback = std::function<void(UniqueFd fd, const SocketAddress& peer)>;

  // Binds and listens (SO_REUSEADDR); the error names the address and errno text. With
  // `reuse_port` also SO_REUSEPORT: one listening socket per worker on the same port, the
  // kernel spreading new connections over them.
  static Result<std::unique_ptr<TcpListener>, std::string> open(EventLoop& loop,
                                                                const SocketAddress& address,
                                                                int backlog,
                                                                AcceptCallback on_accept,
                                                                bool reuse_port = false);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // The bound address (the real port when 0 was asked for).
  const SocketAddress& address() const { return bound_; }
  // Stops accepting (e.g. on drain); the socket stays bound.
  void disable();

 private:
  TcpListener(AcceptCallback on_accept) : on_accept_(std::move(on_accept)) {}
  static void acceptTrampoline(evconnlistener* l, int fd, sockaddr* sa, int len, void* arg);
  static void errorTrampoline(evconnlistener* l, void* arg);

  evconnlistener* listener_ = nullptr;
  AcceptCallback on_accept_;
  SocketAddress bound_;
};

}  // namespace mqttd
