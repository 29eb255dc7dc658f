#include "core/connection_budget.h"

#include <cassert>

namespace mqttd {

bool ConnectionBudget::tryAcquire(size_t limit) {
  size_t open = open_.load(std::memory_order_relaxed);
  do {
    if (open >= limit) return false;
  } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
  return true;
}

void ConnectionBudget::release() {
  [[maybe_unused]] const size_t before = open_.fetch_sub(1, std::memory_order_relaxed);
  assert(before > 0);
}

}  // namespace mqttd
