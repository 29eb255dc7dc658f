// SocketAddress: an IPv4 or IPv6 address with a port, parsed from "ip:port" / "[ip6]:port".
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd {

class SocketAddress {
 public:
  SocketAddress() = default;
  SocketAddress(const sockaddr* sa, socklen_t len);

  // Numeric only (no DNS): IPv4 "a.b.c.d:port" and IPv6 "[addr]:port" (inet_pton), e.g.
  // "127.0.0.1:1883", "[::1]:1883", "0.0.0.0:0". Rejects host names, a missing or non-numeric
  // port and ports above 65535; the error quotes the text and says why, in words fit for a
  // config diagnostic ("address 'localhost:1883': 'localhost' is not a numeric IP address; ...").
  static Result<SocketAddress, std::string> parse(std::string_view text);
  // The local / remote address of a connected or bound socket.
  static SocketAddress localOf(int fd);
  static SocketAddress peerOf(int fd);

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const { return len_; }
  int family() const { return storage_.ss_family; }
  bool empty() const { return len_ == 0; }
  uint16_t port() const;
  // True for 0.0.0.0 and ::, which bind every local address.
  bool isWildcard() const;
  // True when binding both would fail with EADDRINUSE: same non-zero port and the same IP or
  // a wildcard of either family (Linux IPv6 wildcards also take IPv4 unless V6ONLY).
  bool overlaps(const SocketAddress& other) const;
  // "127.0.0.1:1883" or "[::1]:1883".
  std::string toString() const;
  // Same family, IP address and port (IPv6 scope id included).
  bool operator==(const SocketAddress& other) const;

 private:
  sockaddr_storage storage_{};  // sockaddr_in or sockaddr_in6
  socklen_t len_ = 0;           // 0 when empty
};

}  // namespace mqttd
