#include "server/worker.h"

#include "core/log.h"
#include "quic/handed_over_datagram.h"

namespace mqttd {

Worker::Worker(uint8_t id, Shared shared, EventLoop* main_loop)
    : id_(id),
      shared_(std::move(shared)),
      thread_loop_(main_loop == nullptr ? std::make_unique<EventLoop>() : nullptr),
      loop_(main_loop == nullptr ? *thread_loop_ : *main_loop) {}

Worker::~Worker() {
  stop();
  // The listeners (and their connections) go before the loop they are registered with.
  quic_.reset();
  tcp_.reset();
}

Result<void, std::string> Worker::listenTcp(const SocketAddress& address, int backlog,
                                            bool reuse_port) {
  auto tcp = TcpFrontend::open(
      loop_, address, backlog, [this] { return spliceContext(); },
      [this] { return nextConnectionId(); }, shared_.tcp_budget, reuse_port);
  if (!tcp) return fail(tcp.error());
  tcp_ = std::move(*tcp);
  tcp_->setOnConnectionClosed(shared_.on_connection_closed);
  return {};
}

Result<void, std::string> Worker::listenQuic(const QuicListenerConfig& config,
                                             const SocketAddress& address, bool reuse_port) {
  Dispatcher::Handover handover{.worker_id = id_,
                                .worker_count = shared_.worker_count,
                                .send = shared_.worker_count > 1 ? shared_.hand_over : nullptr};
  auto quic =
      QuicFrontend::open(QuicFrontend::Params{.loop = loop_,
                                              .metrics = shared_.metrics,
                                              .address = address,
                                              .reuse_port = reuse_port,
                                              .tls = shared_.tls,
                                              .secret = shared_.secret,
                                              .budget = shared_.quic_budget,
                                              .splice_context = [this] { return spliceContext(); },
                                              .next_id = [this] { return nextConnectionId(); },
                                              .handover = std::move(handover)},
                         config);
  if (!quic) return fail(quic.error());
  quic_ = std::move(*quic);
  quic_->setOnConnectionClosed(shared_.on_connection_closed);
  return {};
}

void Worker::start() {
  if (thread_loop_ == nullptr || thread_.joinable()) return;
  thread_ = std::thread([this] {
    // This thread's GnuTLS anti-replay context starts recording now, not at its first
    // handshake: 0-RTT tickets issued by other workers since startup stay usable here.
    if (shared_.tls) shared_.tls->prepareThread();
    loop_.run();
  });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  // Through the inbox: a stop() before the thread entered run() would be forgotten by
  // libevent, a queued callback is not.
  post([this] { loop_.stop(); });
  thread_.join();
}

void Worker::handOver(const ReceivedDatagram& datagram) {
  post([this, copy = HandedOverDatagram(datagram)] {
    if (quic_) quic_->dispatchHandedOver(copy.view());
  });
}

size_t Worker::connectionCount() const {
  return (tcp_ ? tcp_->connectionCount() : 0) + (quic_ ? quic_->connectionCount() : 0);
}

uint64_t Worker::connectionsAccepted() const {
  return (tcp_ ? tcp_->connectionsAccepted() : 0) + (quic_ ? quic_->connectionsAccepted() : 0);
}

void Worker::stopAccepting() {
  if (tcp_) tcp_->stopAccepting();
  if (quic_) quic_->stopAccepting();
}

void Worker::shutdownAll() {
  if (tcp_) tcp_->shutdownAll();
  if (quic_) quic_->shutdownAll();
}

std::string Worker::connectionsJson() const {
  std::string out = "[";
  if (tcp_) tcp_->appendJson(out);
  if (quic_) quic_->appendJson(out);
  out += "]";
  return out;
}

SpliceContext Worker::spliceContext() {
  const auto settings = shared_.settings.get();
  return SpliceContext{loop_,           shared_.metrics, settings->broker,
                       settings->connect_timeout, settings->limits, &shared_.router};
}

uint64_t Worker::nextConnectionId() {
  return shared_.next_connection_id.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace mqttd
