#include "server/live_settings.h"

namespace mqttd {

LiveSettings::LiveSettings(Snapshot initial)
    : current_(std::make_shared<const Snapshot>(std::move(initial))) {}

std::shared_ptr<const LiveSettings::Snapshot> LiveSettings::get() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void LiveSettings::set(Snapshot next) {
  auto snapshot = std::make_shared<const Snapshot>(std::move(next));
  std::lock_guard lock(mutex_);
  current_ = std::move(snapshot);
}

}  // namespace mqttd
