// Router: hands out the RouteTable in force. The main thread replaces it on SIGHUP; a Splice
// keeps the table it has and checks version() (one relaxed atomic load) at every PUBLISH, so a
// reload applies to connections already open, from their next message on. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "route/route_table.h"

namespace mqttd {

class Router {
 public:
  Router();  // an empty table (forward everything)
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  std::shared_ptr<const RouteTable> current() const;
  void set(std::shared_ptr<const RouteTable> table);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const RouteTable> table_;  // never null; guarded by mutex_
  std::atomic<uint64_t> version_{1};
};

}  // namespace mqttd
