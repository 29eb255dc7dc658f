// ConnectionBudget: the process-wide count of open client connections of one transport,
// shared by every worker so that limits.max_connections bounds the process, not each worker.
// Lock-free; safe from any thread.
#pragma once

#include <atomic>
#include <cstddef>

namespace mqttd {

class ConnectionBudget {
 public:
  // Takes one slot if fewer than `limit` are taken; false (nothing taken) otherwise.
  bool tryAcquire(size_t limit);
  // Returns one slot taken by tryAcquire().
  void release();
  size_t current() const { return open_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> open_{0};
};

}  // namespace mqttd
