#include "net/buffered_socket.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/event_loop.h"

namespace mqttd {
namespace {

void setNoDelay(int fd) {
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

BufferedSocket::BufferedSocket(EventLoop& loop, UniqueFd fd, Callbacks callbacks)
    : callbacks_(std::move(callbacks)) {
  evutil_make_socket_nonblocking(fd.get());
  setNoDelay(fd.get());
  bev_ = bufferevent_socket_new(loop.base(), fd.release(), BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev_, &readTrampoline, &writeTrampoline, &eventTrampoline, this);
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

BufferedSocket::BufferedSocket(EventLoop& loop, Callbacks callbacks)
    : callbacks_(std::move(callbacks)) {
  bev_ = bufferevent_socket_new(loop.base(), -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev_, &readTrampoline, &writeTrampoline, &eventTrampoline, this);
}

BufferedSocket::~BufferedSocket() {
  if (bev_ != nullptr) bufferevent_free(bev_);
}

bool BufferedSocket::connect(const SocketAddress& to) {
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
  if (bufferevent_socket_connect(bev_, const_cast<sockaddr*>(to.get()),
                                 static_cast<int>(to.size())) != 0) {
    last_error_ = std::strerror(errno);
    return false;
  }
  setNoDelay(fd());
  return true;
}

evbuffer* BufferedSocket::input() const { return bufferevent_get_input(bev_); }
evbuffer* BufferedSocket::output() const { return bufferevent_get_output(bev_); }
size_t BufferedSocket::inputLength() const { return evbuffer_get_length(input()); }
size_t BufferedSocket::outputLength() const { return evbuffer_get_length(output()); }
int BufferedSocket::fd() const { return bufferevent_getfd(bev_); }

void BufferedSocket::setWatermarks(size_t read_high, size_t write_low) {
  write_low_ = write_low;
  bufferevent_setwatermark(bev_, EV_READ, 0, read_high);
  bufferevent_setwatermark(bev_, EV_WRITE, write_low, 0);
}

void BufferedSocket::shutdownWrite() {
  shutdown_wanted_ = true;
  // on_drained must also fire at zero so the FIN is not left waiting.
  bufferevent_setwatermark(bev_, EV_WRITE, 0, 0);
  maybeSendFin();
}

void BufferedSocket::setAbortiveClose() {
  linger lg{1, 0};
  (void)setsockopt(fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

void BufferedSocket::closeNow() {
  bufferevent_disable(bev_, EV_READ | EV_WRITE);
  if (fd() >= 0) (void)::shutdown(fd(), SHUT_RDWR);
  shutdown_sent_ = true;
}

void BufferedSocket::maybeSendFin() {
  if (!shutdown_wanted_ || shutdown_sent_ || outputLength() != 0 || fd() < 0) return;
  shutdown_sent_ = true;
  (void)::shutdown(fd(), SHUT_WR);
}

void BufferedSocket::readTrampoline(bufferevent*, void* arg) {
  auto* self = static_cast<BufferedSocket*>(arg);
  if (self->callbacks_.on_readable) self->callbacks_.on_readable();
}

void BufferedSocket::writeTrampoline(bufferevent*, void* arg) {
  static_cast<BufferedSocket*>(arg)->onWrite();
}

void BufferedSocket::eventTrampoline(bufferevent*, short what, void* arg) {
  static_cast<BufferedSocket*>(arg)->onEvent(what);
}

void BufferedSocket::onWrite() {
  maybeSendFin();
  if (callbacks_.on_drained) callbacks_.on_drained();
}

void BufferedSocket::onEvent(short what) {
  if (what & BEV_EVENT_CONNECTED) {
    setNoDelay(fd());
    if (callbacks_.on_event) callbacks_.on_event(Event::kConnected);
    return;
  }
  if (what & BEV_EVENT_ERROR) {
    const int err = EVUTIL_SOCKET_ERROR();
    last_error_ = err != 0 ? std::strerror(err) : "socket error";
    bufferevent_disable(bev_, EV_READ | EV_WRITE);
    if (callbacks_.on_event) callbacks_.on_event(Event::kError);
    return;
  }
  if (what & BEV_EVENT_EOF) {
    if (callbacks_.on_event) callbacks_.on_event(Event::kEof);
  }
}

}  // namespace mqttd
