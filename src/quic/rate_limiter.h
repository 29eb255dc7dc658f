// RateLimiter: a token bucket for replies to unknown traffic (version negotiation, stateless
// resets, Retry), so spoofed packets cannot turn the gateway into an amplifier (style habit 8).
#pragma once

#include <cstdint>

namespace mqttd {

class RateLimiter {
 public:
  // `per_second` tokens refill each second, up to `burst`.
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}

  // Takes one token at `now_ns` (monotonic); false when none is left (then count a drop).
  bool allow(uint64_t now_ns);

 private:
  double rate_;        // tokens per second
  double burst_;       // bucket size
  double tokens_;      // tokens now
  uint64_t last_ = 0;  // ns of the last refill
};

}  // namespace mqttd
