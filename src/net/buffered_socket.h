// BufferedSocket: a non-blocking TCP socket with libevent evbuffers for input and output,
// watermark-based backpressure and an orderly half-close. Not a bufferevent: reads are plain
// readv() calls (no FIONREAD ioctl before each), output is written once per loop iteration
// (coalescing the packets queued by that iteration) and EV_WRITE is registered only while the
// socket is blocked, so a message costs one read and at most one write system call.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/event_loop.h"

#include "core/unique_fd.h"
#include "net/socket_address.h"

struct evbuffer;
struct evbuffer_cb_info;

namespace mqttd {

class BufferedSocket {
 public:
  enum class Event {
    kConnected,  // connect() completed
    kEof,        // the peer half-closed (FIN); input() still holds what it sent
    kError,      // connect refused, reset, or another socket error (see lastError())
  };

  struct Callbacks {
    std::function<void()> on_readable;     // input() grew
    std::function<void()> on_drained;      // output() fell to the write low-water mark
    std::function<void(Event)> on_event;   // connection state changes
  };

  // Adopts a connected socket (accepted). Reading starts at once.
  BufferedSocket(EventLoop& loop, UniqueFd fd, Callbacks callbacks);
  // Creates an unconnected socket; call connect().
  BufferedSocket(EventLoop& loop, Callbacks callbacks);
  ~BufferedSocket();
  BufferedSocket(const BufferedSocket&) = delete;
  BufferedSocket& operator=(const BufferedSocket&) = delete;

  // Starts a non-blocking connect; writes before it completes are queued. false: failed at once.
  bool connect(const SocketAddress& to);

  evbuffer* input() const;
  evbuffer* output() const;
  size_t inputLength() const;
  size_t outputLength() const;

  // Reading pauses while input() holds `high` bytes or more (0: never); on_drained fires when
  // output() falls to `low` bytes.
  void setWatermarks(size_t read_high, size_t write_low);
  // After output() drains, sends FIN (shutdown(SHUT_WR)). Reading continues.
  void shutdownWrite();
  bool writeShutDown() const { return shutdown_sent_; }
  // Closes with RST instead of FIN when destroyed (SO_LINGER 0).
  void setAbortiveClose();
  // Stops all callbacks and shuts both directions down now (FIN); the fd closes on destruction.
  // Safe inside this socket's own callbacks, unlike destroying it.
  void closeNow();

  int fd() const;
  SocketAddress peer() const { return SocketAddress::peerOf(fd()); }
  SocketAddress local() const { return SocketAddress::localOf(fd()); }
  // errno text of the last kError.
  const std::string& lastError() const { return last_error_; }

 private:
  void watch();
  void stop();
  void setReading(bool on);
  void setWriting(bool on);
  void updateReading();
  void onReadable();
  void onWritable();
  void writeOut();
  void maybeSendFin();
  void fail(int err);
  static void inputChanged(evbuffer* buf, const evbuffer_cb_info* info, void* arg);
  static void outputChanged(evbuffer* buf, const evbuffer_cb_info* info, void* arg);

  EventLoop& loop_;
  Callbacks callbacks_;
  UniqueFd fd_;
  evbuffer* in_;
  evbuffer* out_;
  std::unique_ptr<FdWatch> read_watch_;   // declared after fd_: removed before it closes
  std::unique_ptr<FdWatch> write_watch_;
  Deferred flush_;                        // writes output() at the end of the iteration
  size_t read_high_ = 0;                  // bytes; 0: no limit
  size_t write_low_ = 0;                  // bytes; on_drained threshold
  bool reading_ = false;                  // EV_READ registered
  bool writing_ = false;                  // EV_WRITE registered (connecting or blocked)
  bool connecting_ = false;
  bool eof_ = false;                      // the peer's FIN was read
  bool stopped_ = false;                  // closeNow() or an error: no more I/O or callbacks
  bool shutdown_wanted_ = false;          // FIN once output() is empty
  bool shutdown_sent_ = false;
  std::string last_error_;
};

}  // namespace mqttd
