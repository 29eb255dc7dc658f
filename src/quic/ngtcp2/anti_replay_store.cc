#include "quic/ngtcp2/anti_replay_store.h"

namespace mqttd {

AntiReplayStore::AntiReplayStore(size_t capacity, std::function<std::time_t()> now)
    : capacity_(capacity), now_(std::move(now)) {}

AntiReplayStore::Result AntiReplayStore::add(std::string key, std::time_t expires) {
  std::lock_guard lock(mutex_);
  purge(now_());
  if (keys_.count(key) != 0) return Result::kSeen;
  if (keys_.size() >= capacity_) return Result::kFull;
  keys_.insert(key);
  by_expiry_.emplace_back(expires, std::move(key));
  return Result::kAdded;
}

size_t AntiReplayStore::size() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

void AntiReplayStore::purge(std::time_t now) {
  // GnuTLS gives every entry the same window, so entries expire in insertion order; a clock
  // step backwards only keeps entries longer than needed (never accepts a replay).
  while (!by_expiry_.empty() && by_expiry_.front().first <= now) {
    keys_.erase(by_expiry_.front().second);
    by_expiry_.pop_front();
  }
}

}  // namespace mqttd
