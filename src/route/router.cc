#include "route/router.h"

namespace mqttd {

Router::Router() : table_(std::make_shared<const RouteTable>()) {}

std::shared_ptr<const RouteTable> Router::current() const {
  std::lock_guard lock(mutex_);
  return table_;
}

void Router::set(std::shared_ptr<const RouteTable> table) {
  if (!table) table = std::make_shared<const RouteTable>();
  {
    std::lock_guard lock(mutex_);
    table_ = std::move(table);
  }
  version_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace mqttd
