// IpEndpoint: a numeric "ip:port" config value ("127.0.0.1:1883", "[::1]:1883", "0.0.0.0:0").
// The config layer only validates; net/SocketAddress turns the text into a sockaddr.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd::config {

struct IpEndpoint {
  int family = 0;     // AF_INET or AF_INET6
  std::string ip;     // numeric, as written, without brackets: "127.0.0.1", "::1"
  uint16_t port = 0;  // 0..65535; 0 asks the kernel for a free port (listeners only)

  // True for 0.0.0.0 and ::, which bind every local address.
  bool isWildcard() const;
  // True when binding both would fail with EADDRINUSE: same non-zero port and the same IP or
  // a wildcard of either family (Linux IPv6 wildcards also take IPv4 unless V6ONLY).
  bool overlaps(const IpEndpoint& other) const;
};

// Accepts IPv4 "a.b.c.d:port" and IPv6 "[addr]:port" (inet_pton); rejects host names (the
// gateway does not resolve DNS), a missing or non-numeric port, and ports above 65535.
Result<IpEndpoint, std::string> parseIpEndpoint(std::string_view text);

}  // namespace mqttd::config
