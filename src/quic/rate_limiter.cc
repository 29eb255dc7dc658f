#include "quic/rate_limiter.h"

#include <algorithm>

namespace mqttd {

bool RateLimiter::allow(uint64_t now_ns) {
  if (last_ != 0 && now_ns > last_)
    tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ns - last_) / 1e9);
  last_ = now_ns;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace mqttd
