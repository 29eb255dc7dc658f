// AntiReplayStore: the memory behind GnuTLS's 0-RTT anti-replay (RFC 8446 §8.2, "ClientHello
// recording"). GnuTLS accepts early data only for a ClientHello inside its freshness window
// whose key it can add here; a key seen before (a replayed first flight) or a full store
// refuses it, and the handshake then goes on without 0-RTT. Entries expire with the window, so
// the store holds at most the ClientHellos of one window, and never more than `capacity`.
// Thread-safe: one store serves every worker of a listener.
#pragma once

#include <ctime>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

namespace mqttd {

class AntiReplayStore {
 public:
  enum class Result { kAdded, kSeen, kFull };

  explicit AntiReplayStore(size_t capacity, std::function<std::time_t()> now = [] {
    return std::time(nullptr);
  });

  // Records `key` until `expires` (seconds since the epoch).
  Result add(std::string key, std::time_t expires);
  size_t size() const;

 private:
  void purge(std::time_t now);  // drops expired entries (mutex held)

  const size_t capacity_;
  const std::function<std::time_t()> now_;
  mutable std::mutex mutex_;
  std::unordered_set<std::string> keys_;
  std::deque<std::pair<std::time_t, std::string>> by_expiry_;  // insertion order ~ expiry order
};

}  // namespace mqttd
