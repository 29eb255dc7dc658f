#include "server/quic_frontend.h"

namespace mqttd {

Result<std::unique_ptr<QuicFrontend>, std::string> QuicFrontend::open(
    EventLoop& loop, Metrics& metrics, const QuicListenerConfig& config,
    std::function<SpliceContext()> splice_context, std::function<uint64_t()> next_id) {
  auto address = SocketAddress::parse(config.address);
  if (!address) return fail("listeners.quic.address: " + address.error());
  std::unique_ptr<QuicFrontend> self(new QuicFrontend());
  auto socket = UdpSocket::bind(*address, UdpSocket::Options{});
  if (!socket) return fail(socket.error());
  self->socket_ = std::move(*socket);
  auto engine = Ngtcp2Engine::create(
      Ngtcp2Engine::Context{loop, *self->socket_, self->tracker_, metrics,
                            std::move(splice_context), std::move(next_id), 0, 0},
      config);
  if (!engine) return fail(engine.error());
  self->engine_ = std::move(*engine);
  self->dispatcher_ =
      std::make_unique<Dispatcher>(loop, *self->socket_, self->tracker_, *self->engine_, metrics);
  return self;
}

}  // namespace mqttd
