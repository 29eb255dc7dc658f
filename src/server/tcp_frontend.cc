#include "server/tcp_frontend.h"

#include "core/log.h"
#include "net/tcp_stream.h"

namespace mqttd {

Result<std::unique_ptr<TcpFrontend>, std::string> TcpFrontend::open(
    EventLoop& loop, const SocketAddress& address, int backlog, ContextSource context,
    std::function<uint64_t()> next_id, ConnectionBudget& budget, bool reuse_port) {
  std::unique_ptr<TcpFrontend> self(
      new TcpFrontend(loop, std::move(context), std::move(next_id), budget));
  auto listener = TcpListener::open(
      loop, address, backlog,
      [raw = self.get()](UniqueFd fd, const SocketAddress& peer) {
        raw->onAccept(std::move(fd), peer);
      },
      reuse_port);
  if (!listener) return fail(listener.error());
  self->listener_ = std::move(*listener);
  return self;
}

TcpFrontend::~TcpFrontend() {
  for (size_t i = 0; i < splices_.size(); ++i) budget_.release();
}

void TcpFrontend::onAccept(UniqueFd fd, const SocketAddress& peer) {
  const SpliceContext context = context_();
  if (!budget_.tryAcquire(context.limits.max_connections)) {
    context.metrics.addError(ErrorKind::kConnectionLimit);
    Log::warn("connection refused: limits.max_connections reached",
              {{"peer", peer.toString()},
               {"max_connections", std::to_string(context.limits.max_connections)}});
    return;  // fd closes here
  }
  auto stream = std::make_unique<TcpStream>(loop_, std::move(fd), context.limits.buffer_high_water,
                                            context.limits.buffer_low_water);
  const uint64_t id = next_id_();
  auto splice = std::make_unique<Splice>(id, Transport::kTcp, std::move(stream), context,
                                         [this](Splice& done) {
                                           const uint64_t done_id = done.id();
                                           // Never destroy a splice inside its own callback.
                                           loop_.callLater([this, done_id] {
                                             if (splices_.erase(done_id) > 0) budget_.release();
                                             count_.store(splices_.size(),
                                                          std::memory_order_relaxed);
                                             if (on_closed_) on_closed_();
                                           });
                                         });
  Splice& ref = *splice;
  splices_.emplace(id, std::move(splice));
  count_.store(splices_.size(), std::memory_order_relaxed);
  accepted_.fetch_add(1, std::memory_order_relaxed);
  ref.start();
}

void TcpFrontend::shutdownAll() {
  for (auto& [id, splice] : splices_) splice->shutdown();
}

void TcpFrontend::appendJson(std::string& out) const {
  for (const auto& [id, splice] : splices_) splice->appendJsonTo(out);
}

}  // namespace mqttd
