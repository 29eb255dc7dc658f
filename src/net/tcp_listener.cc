#include "net/tcp_listener.h"

#include <event2/listener.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/event_loop.h"
#include "core/log.h"

namespace mqttd {

Result<std::unique_ptr<TcpListener>, std::string> TcpListener::open(EventLoop& loop,
                                                                    const SocketAddress& address,
                                                                    int backlog,
                                                                    AcceptCallback on_accept,
                                                                    bool reuse_port) {
  std::unique_ptr<TcpListener> self(new TcpListener(std::move(on_accept)));
  unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
  if (reuse_port) flags |= LEV_OPT_REUSEABLE_PORT;
  self->listener_ = evconnlistener_new_bind(
      loop.base(), &TcpListener::acceptTrampoline, self.get(), flags, backlog,
      address.get(), static_cast<int>(address.size()));
  if (self->listener_ == nullptr)
    return fail("cannot listen on " + address.toString() + ": " + std::strerror(errno));
  evconnlistener_set_error_cb(self->listener_, &TcpListener::errorTrampoline);
  self->bound_ = SocketAddress::localOf(evconnlistener_get_fd(self->listener_));
  return self;
}

TcpListener::~TcpListener() {
  if (listener_ != nullptr) evconnlistener_free(listener_);
}

void TcpListener::disable() { evconnlistener_disable(listener_); }

void TcpListener::acceptTrampoline(evconnlistener*, int fd, sockaddr* sa, int len, void* arg) {
  auto* self = static_cast<TcpListener*>(arg);
  self->on_accept_(UniqueFd(fd), SocketAddress(sa, static_cast<socklen_t>(len)));
}

void TcpListener::errorTrampoline(evconnlistener*, void* arg) {
  // EMFILE/ENFILE and friends: keep listening; the next accept may succeed.
  auto* self = static_cast<TcpListener*>(arg);
  Log::warn("accept failed", {{"listener", self->bound_.toString()},
                              {"error", std::strerror(errno)}});
}

}  // namespace mqttd
