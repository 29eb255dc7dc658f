// StaticSecret: the process-wide key behind Retry and NEW_TOKEN tokens and stateless reset
// tokens (RFC 9000 §8.1.3, §10.3.2). Made once at start-up and shared, read-only, by the engine
// of every worker: a token issued by one worker verifies on another, and any worker derives the
// same stateless reset token for a connection ID.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace mqttd {

class StaticSecret {
 public:
  static constexpr size_t kSize = 32;  // bytes; the key of ngtcp2's token HKDF

  // 32 bytes from GnuTLS's key RNG; fails only when the RNG does.
  static Result<std::shared_ptr<const StaticSecret>, std::string> generate();

  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }

 private:
  StaticSecret() = default;

  std::array<uint8_t, kSize> bytes_{};
};

}  // namespace mqttd
