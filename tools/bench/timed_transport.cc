#include "bench/timed_transport.h"

#include <utility>

namespace mqttd::bench {

TimedTransport::TimedTransport(std::unique_ptr<client::ClientTransport> inner,
                               std::function<void()> on_up)
    : inner_(std::move(inner)), on_up_(std::move(on_up)) {}

Result<void, std::string> TimedTransport::connect(const SocketAddress& peer, Callbacks callbacks) {
  on_connected_ = std::move(callbacks.on_connected);
  callbacks.on_connected = [this] {
    if (on_up_) on_up_();
    if (on_connected_) on_connected_();
  };
  return inner_->connect(peer, std::move(callbacks));
}

}  // namespace mqttd::bench
