// LiveSettings: what a SIGHUP reload may change for new connections (the broker address, its
// connect timeout, the limits), shared by every worker. The main thread replaces the snapshot;
// workers take the current one when a connection starts. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "mqttd/config.h"
#include "net/socket_address.h"

namespace mqttd {

class LiveSettings {
 public:
  struct Snapshot {
    SocketAddress broker;                       // upstream.address, parsed
    std::chrono::milliseconds connect_timeout;  // upstream.connect_timeout
    LimitsConfig limits;                        // limits
  };

  explicit LiveSettings(Snapshot initial);
  LiveSettings(const LiveSettings&) = delete;
  LiveSettings& operator=(const LiveSettings&) = delete;

  // The snapshot in force; it stays valid (and unchanged) while the caller holds it.
  std::shared_ptr<const Snapshot> get() const;
  // Replaces the snapshot; connections that already started keep theirs.
  void set(Snapshot next);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;  // never null
};

}  // namespace mqttd
