// WorkerPool: the process's workers (`workers: auto|N`), their shared state (TLS context, token
// secret, connection budgets, connection ids) and what the main thread asks of all of them:
// start/stop, drain, connection counts and the /connections listing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/worker.h"

namespace mqttd {

class WorkerPool {
 public:
  // Worker ids are one byte of the connection ID (and the count fits one too).
  static constexpr uint32_t kMaxWorkers = 255;

  // `configured`: Config::workers (0 = auto: one per CPU this process may run on), capped at
  // kMaxWorkers.
  static uint32_t resolveCount(uint32_t configured);

  // Binds every worker's listeners (worker 0 first; the others on the port it got, so port 0
  // works). Worker 0 runs on `main_loop`. `on_connection_closed` is called on a worker's thread.
  static Result<std::unique_ptr<WorkerPool>, std::string> open(
      const Config& config, EventLoop& main_loop, Metrics& metrics, LiveSettings& settings,
      Router& router, std::function<void()> on_connection_closed);
  ~WorkerPool();  // stops the threads
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the worker threads / stops and joins them.
  void start();
  void stop();

  size_t size() const { return workers_.size(); }
  // The bound addresses (worker 0's; every worker has the same); nullptr: no such listener.
  const SocketAddress* tcpAddress() const;
  const SocketAddress* quicAddress() const;
  // The QUIC listener's TLS context, shared by every worker (its certificate can be reloaded);
  // nullptr without a QUIC listener.
  std::shared_ptr<TlsServerContext> tls() const { return tls_; }

  // Safe from any thread.
  size_t connectionCount() const;
  std::vector<size_t> connectionsPerWorker() const;
  std::vector<uint64_t> acceptedPerWorker() const;

  // Runs `fn` on every worker's own thread (through its inbox); returns at once.
  void forEach(const std::function<void(Worker&)>& fn);
  // The JSON array of every worker's connections. Asks each worker on its own thread and waits
  // up to `timeout` for all answers; a worker that does not answer in time is left out (logged).
  std::string connectionsJson(std::chrono::milliseconds timeout);

 private:
  WorkerPool() = default;

  std::atomic<uint64_t> next_connection_id_{1};
  ConnectionBudget quic_budget_;
  ConnectionBudget tcp_budget_;
  std::shared_ptr<TlsServerContext> tls_;  // the workers hold it as const
  std::vector<std::unique_ptr<Worker>> workers_;  // index = worker id
};

}  // namespace mqttd
