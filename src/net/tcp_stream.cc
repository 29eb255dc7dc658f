#include "net/tcp_stream.h"

#include <event2/buffer.h>

namespace mqttd {

std::string_view toString(StreamError error) {
  switch (error) {
    case StreamError::kReset: return "reset";
    case StreamError::kTransportLost: return "transport_lost";
  }
  return "unknown";
}

TcpStream::TcpStream(EventLoop& loop, UniqueFd fd, size_t window, size_t write_low)
    : socket_(loop, std::move(fd),
              BufferedSocket::Callbacks{
                  [this] {
                    if (observer_ != nullptr && !closed_) observer_->onStreamReadable();
                  },
                  [this] {
                    if (observer_ != nullptr && !closed_) observer_->onStreamWritable();
                  },
                  [this](BufferedSocket::Event e) { onEvent(e); }}) {
  socket_.setWatermarks(window, write_low);
  peer_ = socket_.peer().toString();
}

void TcpStream::consume(size_t n) { evbuffer_drain(socket_.input(), n); }

void TcpStream::write(evbuffer* from, size_t n) {
  evbuffer_remove_buffer(from, socket_.output(), n);
}

void TcpStream::abort() {
  closed_ = true;
  socket_.setAbortiveClose();
}

void TcpStream::onEvent(BufferedSocket::Event event) {
  if (closed_ || observer_ == nullptr) return;
  switch (event) {
    case BufferedSocket::Event::kConnected: return;
    case BufferedSocket::Event::kEof:
      eof_ = true;
      observer_->onStreamReadable();
      return;
    case BufferedSocket::Event::kError:
      closed_ = true;
      observer_->onStreamClosed(StreamError::kReset);
      return;
  }
}

}  // namespace mqttd
