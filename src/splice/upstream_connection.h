// UpstreamConnection: one TCP connection to the broker, opened with a non-blocking connect and a
// timeout, with TCP_NODELAY and watermark backpressure.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/event_loop.h"
#include "net/buffered_socket.h"

namespace mqttd {

enum class UpstreamError {
  kConnectFailed,  // refused, unreachable, or another connect error
  kTimeout,        // connect did not complete within upstream.connect_timeout
  kReset,          // an established connection was reset or failed
};
std::string_view toString(UpstreamError error);

class UpstreamConnection {
 public:
  class Observer {
   public:
    virtual void onUpstreamConnected() = 0;
    virtual void onUpstreamReadable() = 0;  // input() grew, or the broker sent FIN
    virtual void onUpstreamWritable() = 0;  // pendingOutput() fell to the low mark
    virtual void onUpstreamFailed(UpstreamError error, const std::string& detail) = 0;

   protected:
    ~Observer() = default;
  };

  // `read_high`: bytes read ahead of the consumer; `write_low`: onUpstreamWritable threshold.
  UpstreamConnection(EventLoop& loop, Observer& observer, size_t read_high, size_t write_low);
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // Starts connecting; failures are reported through the observer (possibly before returning).
  void connect(const SocketAddress& broker, std::chrono::milliseconds timeout);

  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  evbuffer* input() const { return socket_.input(); }
  evbuffer* output() const { return socket_.output(); }
  bool inputFinished() const { return eof_; }
  size_t pendingOutput() const { return socket_.outputLength(); }
  // FIN after everything queued.
  void finish() { socket_.shutdownWrite(); }
  bool finished() const { return socket_.writeShutDown(); }
  // Closes now; no more observer callbacks.
  void close();
  // "ip:port" of our end, once connected (what the broker sees as the client address).
  std::string localAddress() const;

 private:
  void onEvent(BufferedSocket::Event event);
  void failWith(UpstreamError error, const std::string& detail);

  Observer& observer_;
  BufferedSocket socket_;
  Timer connect_timer_;
  bool connected_ = false;
  bool failed_ = false;
  bool eof_ = false;
  bool closed_ = false;
};

}  // namespace mqttd
