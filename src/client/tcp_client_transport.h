// TcpClientTransport: ClientTransport over plain TCP (libevent bufferevent).
#pragma once

#include <memory>

#include "client/client_transport.h"
#include "core/event_loop.h"
#include "net/buffered_socket.h"

namespace mqttd::client {

class TcpClientTransport final : public ClientTransport {
 public:
  explicit TcpClientTransport(EventLoop& loop);
  ~TcpClientTransport() override;
  TcpClientTransport(const TcpClientTransport&) = delete;
  TcpClientTransport& operator=(const TcpClientTransport&) = delete;

  [[nodiscard]] Result<void, std::string> connect(const SocketAddress& peer,
                                                  Callbacks callbacks) override;
  void write(std::span<const uint8_t> data) override;
  void shutdownWrite() override;
  void close() override;
  size_t pendingOutput() const override;
  bool connected() const override { return connected_; }
  std::string_view name() const override { return "tcp"; }

 private:
  void onReadable();
  void onDrained();
  void onEvent(BufferedSocket::Event event);
  void finish(TransportClose close);

  EventLoop& loop_;
  Callbacks callbacks_;
  std::unique_ptr<BufferedSocket> socket_;
  Timer linger_;              // bounds how long close() waits for output to drain
  bool connected_ = false;
  bool closing_ = false;      // close() called, waiting for output to drain
  bool closed_ = false;       // on_closed delivered; no more callbacks
  bool fin_seen_ = false;
};

}  // namespace mqttd::client
