// TimedTransport: a ClientTransport that owns another one and reports the moment it came up,
// so mqttd-bench can time the handshake (TCP connect / QUIC handshake) apart from CONNACK.
// Every other call and callback passes straight through.
#pragma once

#include <functional>
#include <memory>

#include "client/client_transport.h"

namespace mqttd::bench {

class TimedTransport final : public client::ClientTransport {
 public:
  // `on_up` runs just before the inner transport's on_connected is passed on.
  TimedTransport(std::unique_ptr<client::ClientTransport> inner, std::function<void()> on_up);
  TimedTransport(const TimedTransport&) = delete;
  TimedTransport& operator=(const TimedTransport&) = delete;

  [[nodiscard]] Result<void, std::string> connect(const SocketAddress& peer,
                                                  Callbacks callbacks) override;
  void write(std::span<const uint8_t> data) override { inner_->write(data); }
  void shutdownWrite() override { inner_->shutdownWrite(); }
  void close() override { inner_->close(); }
  size_t pendingOutput() const override { return inner_->pendingOutput(); }
  bool connected() const override { return inner_->connected(); }
  std::string_view name() const override { return inner_->name(); }

 private:
  std::unique_ptr<client::ClientTransport> inner_;
  std::function<void()> on_up_;
  std::function<void()> on_connected_;  // the user's on_connected
};

}  // namespace mqttd::bench
