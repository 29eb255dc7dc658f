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

  // Numeric only (no DNS): "127.0.0.1:1883", "[::1]:1883", "0.0.0.0:0". The error says why not.
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
  // "127.0.0.1:1883" or "[::1]:1883".
  std::string toString() const;

 private:
  sockaddr_storage storage_{};  // sockaddr_in or sockaddr_in6
  socklen_t len_ = 0;           // 0 when empty
};

}  // namespace mqttd
