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
  // Both front ends derive stateless reset tokens from one secret and count against one budget.
  const EngineContext context{.loop = params.loop,
                              .socket = *self->socket_,
                              .tracker = self->tracker_,
                              .metrics = params.metrics,
                              .splice_context = std::move(params.splice_context),
                              .next_id = std::move(params.next_id),
                              .server_id = 0,
                              .worker_id = params.handover.worker_id,
                              .secret = std::move(params.secret),
                              .budget = params.budget};
  if (config.simple_framer.enabled)
    self->simple_ = std::make_unique<simple::SimpleEngine>(context, config);
  self->engine_ = std::make_unique<Ngtcp2Engine>(context, std::move(params.tls), config);
  self->dispatcher_ =
      std::make_unique<Dispatcher>(params.loop, *self->socket_, self->tracker_, *self->engine_,
                                   params.metrics, std::move(params.handover), self->simple_.get());
  return self;
}

}  // namespace mqttd
