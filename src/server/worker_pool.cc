#include "server/worker_pool.h"

#include <sched.h>

#include <algorithm>
#include <future>
#include <optional>

#include "core/log.h"

namespace mqttd {

uint32_t WorkerPool::resolveCount(uint32_t configured) {
  uint32_t count = configured;
  if (count == 0) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    count =
        sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? static_cast<uint32_t>(CPU_COUNT(&cpus)) : 1;
  }
  return std::clamp<uint32_t>(count, 1, kMaxWorkers);
}

Result<std::unique_ptr<WorkerPool>, std::string> WorkerPool::open(
    const Config& config, EventLoop& main_loop, Metrics& metrics, LiveSettings& settings,
    Router& router, std::function<void()> on_connection_closed) {
  std::unique_ptr<WorkerPool> self(new WorkerPool());
  const uint32_t count = resolveCount(config.workers);
  const bool reuse_port = count > 1;

  std::shared_ptr<const StaticSecret> secret;
  std::optional<SocketAddress> quic_address;
  if (config.listeners.quic) {
    auto address = SocketAddress::parse(config.listeners.quic->address);
    if (!address) return fail("listeners.quic.address: " + address.error());
    quic_address = *address;
    auto made_tls = TlsServerContext::create(*config.listeners.quic);
    if (!made_tls) return fail("listeners.quic: " + made_tls.error());
    self->tls_ = std::move(*made_tls);
    auto made_secret = StaticSecret::generate();
    if (!made_secret) return fail("listeners.quic: " + made_secret.error());
    secret = std::move(*made_secret);
  }
  std::optional<SocketAddress> tcp_address;
  if (config.listeners.tcp) {
    auto address = SocketAddress::parse(config.listeners.tcp->address);
    if (!address) return fail("listeners.tcp.address: " + address.error());
    tcp_address = *address;
  }

  WorkerPool* raw = self.get();
  for (uint32_t i = 0; i < count; ++i) {
    Worker::Shared shared{.metrics = metrics,
                          .settings = settings,
                          .router = router,
                          .next_connection_id = self->next_connection_id_,
                          .quic_budget = self->quic_budget_,
                          .tcp_budget = self->tcp_budget_,
                          .tls = self->tls_,
                          .secret = secret,
                          .worker_count = static_cast<uint8_t>(count),
                          .hand_over =
                              [raw](uint8_t owner, const ReceivedDatagram& datagram) {
                                // The vector is complete before any thread starts and outlives them
                                // all.
                                if (owner < raw->workers_.size())
                                  raw->workers_[owner]->handOver(datagram);
                              },
                          .on_connection_closed = on_connection_closed};
    self->workers_.push_back(std::make_unique<Worker>(static_cast<uint8_t>(i), std::move(shared),
                                                      i == 0 ? &main_loop : nullptr));
  }

  for (auto& worker : self->workers_) {
    const std::string which = count > 1 ? " (worker " + std::to_string(worker->id()) + ")" : "";
    if (tcp_address) {
      auto listening = worker->listenTcp(*tcp_address, config.listeners.tcp->backlog, reuse_port);
      if (!listening) return fail("listeners.tcp" + which + ": " + listening.error());
      tcp_address = worker->tcp()->address();  // port 0: the others join the port it got
    }
    if (quic_address) {
      auto listening = worker->listenQuic(*config.listeners.quic, *quic_address, reuse_port);
      if (!listening) return fail("listeners.quic" + which + ": " + listening.error());
      quic_address = worker->quic()->address();
    }
  }
  return self;
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::start() {
  for (auto& worker : workers_) worker->start();
}

void WorkerPool::stop() {
  for (auto& worker : workers_) worker->stop();
}

const SocketAddress* WorkerPool::tcpAddress() const {
  return !workers_.empty() && workers_[0]->tcp() ? &workers_[0]->tcp()->address() : nullptr;
}

const SocketAddress* WorkerPool::quicAddress() const {
  return !workers_.empty() && workers_[0]->quic() ? &workers_[0]->quic()->address() : nullptr;
}

size_t WorkerPool::connectionCount() const {
  size_t n = 0;
  for (const auto& worker : workers_) n += worker->connectionCount();
  return n;
}

std::vector<size_t> WorkerPool::connectionsPerWorker() const {
  std::vector<size_t> out;
  for (const auto& worker : workers_) out.push_back(worker->connectionCount());
  return out;
}

std::vector<uint64_t> WorkerPool::acceptedPerWorker() const {
  std::vector<uint64_t> out;
  for (const auto& worker : workers_) out.push_back(worker->connectionsAccepted());
  return out;
}

void WorkerPool::forEach(const std::function<void(Worker&)>& fn) {
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    if (w->onMainLoop())
      fn(*w);
    else
      w->post([w, fn] { fn(*w); });
  }
}

std::string WorkerPool::connectionsJson(std::chrono::milliseconds timeout) {
  std::vector<std::string> parts;
  std::vector<std::pair<uint8_t, std::future<std::string>>> pending;
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    if (w->onMainLoop()) {
      parts.push_back(w->connectionsJson());
      continue;
    }
    // Shared: the worker may answer after we gave up waiting.
    auto promise = std::make_shared<std::promise<std::string>>();
    pending.emplace_back(w->id(), promise->get_future());
    w->post([w, promise] { promise->set_value(w->connectionsJson()); });
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& [id, future] : pending) {
    if (future.wait_until(deadline) == std::future_status::ready) {
      parts.push_back(future.get());
    } else {
      Log::warn("/connections: a worker did not answer in time; its connections are left out",
                {{"worker", std::to_string(id)}});
    }
  }
  std::string out = "[";
  for (const std::string& part : parts) {
    // Each part is "[...]": splice the elements in.
    if (part.size() <= 2) continue;
    if (out.size() > 1) out += ',';
    out.append(part, 1, part.size() - 2);
  }
  out += "]\n";
  return out;
}

}  // namespace mqttd
