#include "quic/connection_tracker.h"

namespace mqttd {

bool ConnectionTracker::add(const std::string& cid_key, QuicSession* session) {
  auto [it, inserted] = by_cid_.emplace(cid_key, session);
  if (!inserted) return it->second == session;
  by_session_[session].insert(cid_key);
  return true;
}

void ConnectionTracker::remove(const std::string& cid_key) {
  auto it = by_cid_.find(cid_key);
  if (it == by_cid_.end()) return;
  auto owner = by_session_.find(it->second);
  if (owner != by_session_.end()) {
    owner->second.erase(cid_key);
    if (owner->second.empty()) by_session_.erase(owner);
  }
  by_cid_.erase(it);
}

void ConnectionTracker::removeAll(QuicSession* session) {
  auto owner = by_session_.find(session);
  if (owner == by_session_.end()) return;
  for (const auto& key : owner->second) by_cid_.erase(key);
  by_session_.erase(owner);
}

QuicSession* ConnectionTracker::find(const std::string& cid_key) const {
  auto it = by_cid_.find(cid_key);
  return it == by_cid_.end() ? nullptr : it->second;
}

}  // namespace mqttd
