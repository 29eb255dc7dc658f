// ConnectionTracker: destination connection ID -> session, for every CID a session owns (the
// client's initial DCID, the server's SCID, every CID issued later). Borrows the sessions.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "quic/quic_session.h"

namespace mqttd {

class ConnectionTracker {
 public:
  // false if the key is taken by another session (never overwritten).
  bool add(const std::string& cid_key, QuicSession* session);
  void remove(const std::string& cid_key);
  // Removes every key that points at `session`.
  void removeAll(QuicSession* session);
  QuicSession* find(const std::string& cid_key) const;
  size_t size() const { return by_cid_.size(); }

 private:
  std::unordered_map<std::string, QuicSession*> by_cid_;
  std::unordered_map<QuicSession*, std::unordered_set<std::string>> by_session_;
};

}  // namespace mqttd
