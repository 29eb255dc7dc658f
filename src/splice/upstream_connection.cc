#include "splice/upstream_connection.h"

namespace mqttd {

std::string_view toString(UpstreamError error) {
  switch (error) {
    case UpstreamError::kConnectFailed: return "connect_failed";
    case UpstreamError::kTimeout: return "connect_timeout";
    case UpstreamError::kReset: return "reset";
  }
  return "unknown";
}

UpstreamConnection::UpstreamConnection(EventLoop& loop, Observer& observer, size_t read_high,
                                       size_t write_low)
    : observer_(observer),
      socket_(loop,
              BufferedSocket::Callbacks{
                  [this] {
                    if (!closed_) observer_.onUpstreamReadable();
                  },
                  [this] {
                    if (!closed_) observer_.onUpstreamWritable();
                  },
                  [this](BufferedSocket::Event e) { onEvent(e); }}),
      connect_timer_(loop, [this] {
        if (!connected_ && !closed_) failWith(UpstreamError::kTimeout, "connect timed out");
      }) {
  socket_.setWatermarks(read_high, write_low);
}

void UpstreamConnection::connect(const SocketAddress& broker, std::chrono::milliseconds timeout) {
  connect_timer_.start(timeout);
  if (!socket_.connect(broker)) failWith(UpstreamError::kConnectFailed, socket_.lastError());
}

void UpstreamConnection::close() {
  closed_ = true;
  connect_timer_.stop();
  socket_.closeNow();
}

std::string UpstreamConnection::localAddress() const {
  return connected_ ? socket_.local().toString() : std::string("-");
}

void UpstreamConnection::onEvent(BufferedSocket::Event event) {
  if (closed_) return;
  switch (event) {
    case BufferedSocket::Event::kConnected:
      connected_ = true;
      connect_timer_.stop();
      observer_.onUpstreamConnected();
      return;
    case BufferedSocket::Event::kEof:
      eof_ = true;
      observer_.onUpstreamReadable();
      return;
    case BufferedSocket::Event::kError:
      failWith(connected_ ? UpstreamError::kReset : UpstreamError::kConnectFailed,
               socket_.lastError());
      return;
  }
}

void UpstreamConnection::failWith(UpstreamError error, const std::string& detail) {
  failed_ = true;
  close();
  observer_.onUpstreamFailed(error, detail);
}

}  // namespace mqttd
