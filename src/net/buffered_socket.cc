#include "net/buffered_socket.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/event_loop.h"

namespace mqttd {
namespace {

// One readv asks for at most this much; one wake-up reads at most kMaxReadPerWake, so a fast
// sender cannot starve the other connections of the loop.
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxReadPerWake = 64 * 1024;

void setNoDelay(int fd) {
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

BufferedSocket::BufferedSocket(EventLoop& loop, UniqueFd fd, Callbacks callbacks)
    : BufferedSocket(loop, std::move(callbacks)) {
  fd_ = std::move(fd);
  evutil_make_socket_nonblocking(fd_.get());
  setNoDelay(fd_.get());
  watch();
  setReading(true);
}

BufferedSocket::BufferedSocket(EventLoop& loop, Callbacks callbacks)
    : loop_(loop),
      callbacks_(std::move(callbacks)),
      in_(evbuffer_new()),
      out_(evbuffer_new()),
      flush_(loop, [this] { writeOut(); }) {
  evbuffer_add_cb(in_, &BufferedSocket::inputChanged, this);
  evbuffer_add_cb(out_, &BufferedSocket::outputChanged, this);
}

BufferedSocket::~BufferedSocket() {
  read_watch_.reset();
  write_watch_.reset();
  evbuffer_remove_cb(in_, &BufferedSocket::inputChanged, this);
  evbuffer_remove_cb(out_, &BufferedSocket::outputChanged, this);
  evbuffer_free(in_);
  evbuffer_free(out_);
}

void BufferedSocket::watch() {
  read_watch_ = std::make_unique<FdWatch>(loop_, fd_.get(), EV_READ, [this](short) { onReadable(); });
  write_watch_ =
      std::make_unique<FdWatch>(loop_, fd_.get(), EV_WRITE, [this](short) { onWritable(); });
}

bool BufferedSocket::connect(const SocketAddress& to) {
  const int fd = ::socket(to.get()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    last_error_ = std::strerror(errno);
    return false;
  }
  fd_ = UniqueFd(fd);
  if (::connect(fd, to.get(), static_cast<socklen_t>(to.size())) != 0 && errno != EINPROGRESS) {
    last_error_ = std::strerror(errno);
    return false;
  }
  setNoDelay(fd);
  watch();
  // Completion (or failure) shows as writability; kConnected is always reported from the loop.
  connecting_ = true;
  setWriting(true);
  return true;
}

evbuffer* BufferedSocket::input() const { return in_; }
evbuffer* BufferedSocket::output() const { return out_; }
size_t BufferedSocket::inputLength() const { return evbuffer_get_length(in_); }
size_t BufferedSocket::outputLength() const { return evbuffer_get_length(out_); }
int BufferedSocket::fd() const { return fd_.get(); }

void BufferedSocket::setWatermarks(size_t read_high, size_t write_low) {
  read_high_ = read_high;
  write_low_ = write_low;
  updateReading();
}

void BufferedSocket::shutdownWrite() {
  shutdown_wanted_ = true;
  maybeSendFin();
}

void BufferedSocket::setAbortiveClose() {
  linger lg{1, 0};
  (void)setsockopt(fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

void BufferedSocket::closeNow() {
  stop();
  if (fd() >= 0) (void)::shutdown(fd(), SHUT_RDWR);
  shutdown_sent_ = true;
}

void BufferedSocket::stop() {
  stopped_ = true;
  setReading(false);
  setWriting(false);
  flush_.cancel();
}

namespace {

// (Un)registers `watch` with epoll only when `registered` changes.
void setWatch(FdWatch* watch, bool& registered, bool on) {
  if (on == registered || watch == nullptr) return;
  registered = on;
  if (on) {
    watch->enable();
  } else {
    watch->disable();
  }
}

}  // namespace

void BufferedSocket::setReading(bool on) { setWatch(read_watch_.get(), reading_, on); }

void BufferedSocket::setWriting(bool on) { setWatch(write_watch_.get(), writing_, on); }

// Reading pauses at the high-water mark and resumes when the consumer drains input() below it.
void BufferedSocket::updateReading() {
  if (stopped_ || eof_ || connecting_ || !read_watch_) return;
  setReading(read_high_ == 0 || inputLength() < read_high_);
}

void BufferedSocket::inputChanged(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  auto* self = static_cast<BufferedSocket*>(arg);
  if (info->n_deleted > 0 && !self->reading_) self->updateReading();
}

// Appends are written once per loop iteration: everything queued by the callbacks of this
// iteration leaves in one writev (write coalescing), and a socket that is not blocked needs no
// EV_WRITE registration (no epoll_ctl per write).
void BufferedSocket::outputChanged(evbuffer*, const evbuffer_cb_info* info, void* arg) {
  auto* self = static_cast<BufferedSocket*>(arg);
  if (info->n_added > 0 && !self->writing_ && !self->stopped_ && self->fd() >= 0) {
    self->flush_.schedule();
  }
}

void BufferedSocket::onReadable() {
  size_t total = 0;
  bool eof = false;
  while (total < kMaxReadPerWake) {
    size_t want = kReadChunk;
    if (read_high_ > 0) {
      const size_t have = inputLength();
      if (have >= read_high_) break;
      want = std::min(want, read_high_ - have);
    }
    evbuffer_iovec vec[2];
    const int n = evbuffer_reserve_space(in_, static_cast<ev_ssize_t>(want), vec, 2);
    if (n <= 0) break;
    iovec iov[2];
    for (int i = 0; i < n; ++i) {
      iov[i].iov_base = vec[i].iov_base;
      iov[i].iov_len = std::min(vec[i].iov_len, want);
      want -= iov[i].iov_len;
    }
    const ssize_t got = ::readv(fd(), iov, n);
    if (got > 0) {
      size_t left = static_cast<size_t>(got);
      for (int i = 0; i < n; ++i) {
        vec[i].iov_len = std::min(iov[i].iov_len, left);
        left -= vec[i].iov_len;
      }
      (void)evbuffer_commit_space(in_, vec, n);
      total += static_cast<size_t>(got);
      if (static_cast<size_t>(got) < iov[0].iov_len + (n > 1 ? iov[1].iov_len : 0)) break;
      continue;
    }
    (void)evbuffer_commit_space(in_, vec, 0);
    if (got == 0) {
      eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    const int err = errno;
    if (total > 0 && callbacks_.on_readable) callbacks_.on_readable();
    if (!stopped_) fail(err);
    return;
  }
  updateReading();
  if (total > 0 && callbacks_.on_readable) callbacks_.on_readable();
  if (eof && !stopped_ && !eof_) {
    eof_ = true;
    setReading(false);
    if (callbacks_.on_event) callbacks_.on_event(Event::kEof);
  }
}

void BufferedSocket::onWritable() {
  if (connecting_) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == EINPROGRESS) return;
    connecting_ = false;
    setWriting(false);
    if (err != 0) {
      fail(err);
      return;
    }
    updateReading();
    if (callbacks_.on_event) callbacks_.on_event(Event::kConnected);
    if (stopped_) return;
  }
  writeOut();
}

void BufferedSocket::writeOut() {
  if (stopped_ || connecting_ || fd() < 0) return;
  bool wrote = false;
  while (outputLength() > 0) {
    const int n = evbuffer_write(out_, fd());
    if (n > 0) {
      wrote = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    fail(n < 0 ? errno : EPIPE);
    return;
  }
  setWriting(outputLength() > 0);  // blocked: wait for EV_WRITE; drained: no registration
  if (!wrote && !shutdown_wanted_) return;
  maybeSendFin();
  if (outputLength() <= write_low_ && callbacks_.on_drained) callbacks_.on_drained();
}

void BufferedSocket::maybeSendFin() {
  if (!shutdown_wanted_ || shutdown_sent_ || outputLength() != 0 || fd() < 0 || connecting_) {
    return;
  }
  shutdown_sent_ = true;
  (void)::shutdown(fd(), SHUT_WR);
}

void BufferedSocket::fail(int err) {
  last_error_ = err != 0 ? std::strerror(err) : "socket error";
  stop();
  if (callbacks_.on_event) callbacks_.on_event(Event::kError);
}

}  // namespace mqttd
