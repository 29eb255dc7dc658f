#include "server/quic_frontend.h"

namespace mqttd {

Result<std::unique_ptr<QuicFrontend>, std::string> QuicFrontend::open(
    Params params, const QuicListenerConfig& config) {
  std::unique_ptr<QuicFrontend> self(new QuicFrontend());
  UdpSocket::Options options;
  options.reuse_port = params.reuse_port;
  auto socket = UdpSocket::bind(params.address, options);
  if (!socket) return fail(socket.error());
  self->socket_ = std::move(*socket);
  auto engine = Ngtcp2Engine::create(
      Ngtcp2Engine::Context{.loop = params.loop,
                            .socket = *self->socket_,
                            .tracker = self->tracker_,
                            .metrics = params.metrics,
                            .splice_context = std::move(params.splice_context),
                            .next_id = std::move(params.next_id),
                            .server_id = 0,
                            .worker_id = params.handover.worker_id,
                            .tls = std::move(params.tls),
                            .secret = std::move(params.secret),
                            .budget = params.budget},
      config);
  if (!engine) return fail(engine.error());
  self->engine_ = std::move(*engine);
  self->dispatcher_ =
      std::make_unique<Dispatcher>(params.loop, *self->socket_, self->tracker_, *self->engine_,
                                   params.metrics, std::move(params.handover));
  return self;
}

}  // namespace mqttd
