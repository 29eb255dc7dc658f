// TcpStream: a ByteStream over an accepted TCP connection (the plain MQTT listener).
#pragma once

#include <memory>

#include "net/buffered_socket.h"
#include "net/byte_stream.h"

namespace mqttd {

class TcpStream final : public ByteStream {
 public:
  // `window`: bytes read ahead of the consumer before reading pauses (flow control);
  // `write_low`: pendingOutput() level at which onStreamWritable() fires.
  TcpStream(EventLoop& loop, UniqueFd fd, size_t window, size_t write_low);

  void setObserver(Observer* observer) override { observer_ = observer; }
  evbuffer* input() override { return socket_.input(); }
  bool inputFinished() const override { return eof_; }
  void consume(size_t n) override;
  void write(evbuffer* from, size_t n) override;
  size_t pendingOutput() const override { return socket_.outputLength(); }
  void finish() override { socket_.shutdownWrite(); }
  void abort() override;
  std::string peer() const override { return peer_; }
  std::string_view transport() const override { return "tcp"; }

 private:
  void onEvent(BufferedSocket::Event event);

  Observer* observer_ = nullptr;  // the Splice; borrowed
  BufferedSocket socket_;
  std::string peer_;
  bool eof_ = false;
  bool closed_ = false;  // reset or error seen; no more callbacks
};

}  // namespace mqttd
