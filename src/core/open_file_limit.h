// OpenFileLimit: the process's RLIMIT_NOFILE, raised to its hard limit at start. Every client
// costs descriptors (a TCP client two: its socket and the broker's; a QUIC client one), and
// many environments start processes with a soft limit of 1024 under a far higher hard limit
// (containers, where a pod cannot set it; shells). Raising the soft limit needs no privilege.
#pragma once

#include <cstdint>
#include <string>

namespace mqttd {

struct OpenFileLimit {
  uint64_t before = 0;  // soft limit found at start
  uint64_t soft = 0;    // soft limit now
  uint64_t hard = 0;    // hard limit (RLIM_INFINITY shows as UINT64_MAX)
  std::string error;    // why the soft limit could not be read or raised; empty when it was fine

  // Raises the soft limit to the hard limit (or to the kernel's nr_open where the hard limit is
  // unlimited) and reports what it found and did.
  static OpenFileLimit raiseToHard();

  // Descriptors the gateway needs for `max_connections` clients, all of them on TCP (the worst
  // case): two each, plus a reserve for listeners, workers' event loops, the admin server,
  // handlers' files and sockets.
  static uint64_t neededFor(uint64_t max_connections) { return 2 * max_connections + kReserve; }
  static constexpr uint64_t kReserve = 64;
};

}  // namespace mqttd
