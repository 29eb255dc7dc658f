#include "net/socket_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace mqttd {

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) {
  if (len > sizeof storage_) len = sizeof storage_;
  std::memcpy(&storage_, sa, len);
  len_ = len;
}

Result<SocketAddress, std::string> SocketAddress::parse(std::string_view text) {
  std::string host;
  std::string_view port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail(std::string("expected '[ipv6]:port'"));
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(std::string("expected 'ip:port' (no port)"));
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return fail(std::string("IPv6 addresses need brackets: '[addr]:port'"));
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535)
    return fail(std::string("port must be a number from 0 to 65535"));

  SocketAddress addr;
  if (!bracketed) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1)
      return fail("'" + host + "' is not a numeric IPv4 address (host names are not resolved)");
    return SocketAddress(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET6, host.c_str(), &sin6.sin6_addr) != 1)
    return fail("'" + host + "' is not a numeric IPv6 address");
  return SocketAddress(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
}

SocketAddress SocketAddress::localOf(int fd) {
  SocketAddress addr;
  socklen_t len = sizeof addr.storage_;
  if (getsockname(fd, addr.get(), &len) == 0) addr.len_ = len;
  return addr;
}

SocketAddress SocketAddress::peerOf(int fd) {
  SocketAddress addr;
  socklen_t len = sizeof addr.storage_;
  if (getpeername(fd, addr.get(), &len) == 0) addr.len_ = len;
  return addr;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(port());
  }
  return "-";
}

}  // namespace mqttd
