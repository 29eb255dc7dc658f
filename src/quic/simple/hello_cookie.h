// HelloCookie: the stateless cookie of the simple framer's handshake
// (docs/simple-framing.md §7.1). 24 bytes: an 8-byte issue time (seconds since the Unix epoch)
// and the first 16 bytes of HMAC-SHA-256(static secret, "mqf1 cookie" | time | client IP |
// client port | initial DCID | client CID). Any worker sharing the secret verifies it without
// state; it proves the client receives at its source address.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "net/socket_address.h"
#include "quic/ngtcp2/static_secret.h"

namespace mqttd::simple {

class HelloCookie {
 public:
  static constexpr size_t kSize = 24;       // bytes
  static constexpr uint64_t kLifetime = 10;  // seconds a cookie is accepted (§7.1)
  using Bytes = std::array<uint8_t, kSize>;

  explicit HelloCookie(std::shared_ptr<const StaticSecret> secret) : secret_(std::move(secret)) {}

  // A cookie for this client, issued at `now_s` (wall clock seconds).
  Bytes issue(const SocketAddress& client, std::span<const uint8_t> initial_dcid,
              std::span<const uint8_t> client_cid, uint64_t now_s) const;
  // True if `cookie` was issued by a holder of the secret for exactly this client and CIDs,
  // at most kLifetime seconds before `now_s` (and not more than 1 s in the future: clock skew
  // between replicas).
  bool verify(std::span<const uint8_t> cookie, const SocketAddress& client,
              std::span<const uint8_t> initial_dcid, std::span<const uint8_t> client_cid,
              uint64_t now_s) const;

 private:
  Bytes compute(uint64_t issued_s, const SocketAddress& client,
                std::span<const uint8_t> initial_dcid, std::span<const uint8_t> client_cid) const;

  std::shared_ptr<const StaticSecret> secret_;
};

}  // namespace mqttd::simple
