#include "quic/simple/hello_cookie.h"

#include <gnutls/crypto.h>
#include <netinet/in.h>

#include <cstring>
#include <vector>

namespace mqttd::simple {
namespace {

constexpr char kLabel[] = "mqf1 cookie";

void putUint64(uint8_t* out, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}

uint64_t getUint64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

// The client's IP address and port as bytes (family-specific, so v4 and v6 never collide).
void appendAddress(std::vector<uint8_t>& out, const SocketAddress& address) {
  out.push_back(static_cast<uint8_t>(address.family()));
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address.get());
    const auto* ip = reinterpret_cast<const uint8_t*>(&in->sin_addr);
    out.insert(out.end(), ip, ip + 4);
  } else if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address.get());
    const auto* ip = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
    out.insert(out.end(), ip, ip + 16);
  }
  const uint16_t port = address.port();
  out.push_back(static_cast<uint8_t>(port >> 8));
  out.push_back(static_cast<uint8_t>(port));
}

}  // namespace

HelloCookie::Bytes HelloCookie::compute(uint64_t issued_s, const SocketAddress& client,
                                        std::span<const uint8_t> initial_dcid,
                                        std::span<const uint8_t> client_cid) const {
  Bytes cookie{};
  putUint64(cookie.data(), issued_s);
  std::vector<uint8_t> input(kLabel, kLabel + sizeof kLabel - 1);
  input.insert(input.end(), cookie.begin(), cookie.begin() + 8);
  appendAddress(input, client);
  // Length-prefixed CIDs, so moving a byte from one CID to the other changes the MAC.
  input.push_back(static_cast<uint8_t>(initial_dcid.size()));
  input.insert(input.end(), initial_dcid.begin(), initial_dcid.end());
  input.push_back(static_cast<uint8_t>(client_cid.size()));
  input.insert(input.end(), client_cid.begin(), client_cid.end());
  uint8_t mac[32];
  if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret_->data(), secret_->size(), input.data(),
                       input.size(), mac) != 0) {
    // Cannot happen with SHA-256; an all-zero MAC would never verify against a real one.
    std::memset(mac, 0, sizeof mac);
  }
  std::memcpy(cookie.data() + 8, mac, kSize - 8);
  return cookie;
}

HelloCookie::Bytes HelloCookie::issue(const SocketAddress& client,
                                      std::span<const uint8_t> initial_dcid,
                                      std::span<const uint8_t> client_cid,
                                      uint64_t now_s) const {
  return compute(now_s, client, initial_dcid, client_cid);
}

bool HelloCookie::verify(std::span<const uint8_t> cookie, const SocketAddress& client,
                         std::span<const uint8_t> initial_dcid,
                         std::span<const uint8_t> client_cid, uint64_t now_s) const {
  if (cookie.size() != kSize) return false;
  const uint64_t issued = getUint64(cookie.data());
  if (issued > now_s + 1 || issued + kLifetime < now_s) return false;
  const Bytes expected = compute(issued, client, initial_dcid, client_cid);
  // Constant time: the comparison must not tell an attacker how many bytes matched.
  uint8_t diff = 0;
  for (size_t i = 0; i < kSize; ++i) diff |= static_cast<uint8_t>(expected[i] ^ cookie[i]);
  return diff == 0;
}

}  // namespace mqttd::simple
