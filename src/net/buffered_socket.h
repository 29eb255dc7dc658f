// BufferedSocket: RAII around a libevent bufferevent on a non-blocking TCP socket, with
// watermark-based backpressure and an orderly half-close.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "core/unique_fd.h"
#include "net/socket_address.h"

struct bufferevent;
struct evbuffer;

namespace mqttd {

class EventLoop;

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
  static void readTrampoline(bufferevent* bev, void* arg);
  static void writeTrampoline(bufferevent* bev, void* arg);
  static void eventTrampoline(bufferevent* bev, short what, void* arg);
  void onWrite();
  void onEvent(short what);
  void maybeSendFin();

  bufferevent* bev_ = nullptr;
  Callbacks callbacks_;
  size_t write_low_ = 0;          // bytes; on_drained threshold
  bool shutdown_wanted_ = false;  // FIN once output() is empty
  bool shutdown_sent_ = false;
  std::string last_error_;
};

}  // namespace mqttd
