// Clock helpers: one monotonic time base for timers and statistics.
#pragma once

#include <chrono>
#include <cstdint>

namespace mqttd {

using SteadyClock = std::chrono::steady_clock;
using Duration = std::chrono::nanoseconds;

// Monotonic nanoseconds since an arbitrary epoch (the base ngtcp2 also wants).
inline uint64_t monotonicNanos() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
          .count());
}

}  // namespace mqttd
