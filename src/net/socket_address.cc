#include "net/socket_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace mqttd {
namespace {

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// The port after the last ':' of `full`; errors quote the whole address.
Result<uint16_t, std::string> parsePort(std::string_view full, std::string_view port) {
  if (port.empty())
    return fail("address " + quoted(full) + " has no port; expected ip:port, e.g. 127.0.0.1:1883");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
      ec != std::errc() || end != port.data() + port.size())
    return fail("address " + quoted(full) + ": port " + quoted(port) +
                " is not a number in 0..65535");
  if (value > 65535)
    return fail("address " + quoted(full) + ": port " + std::string(port) +
                " is out of range 0..65535");
  return static_cast<uint16_t>(value);
}

}  // namespace

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) {
  if (len > sizeof storage_) len = sizeof storage_;
  std::memcpy(&storage_, sa, len);
  len_ = len;
}

Result<SocketAddress, std::string> SocketAddress::parse(std::string_view text) {
  const std::string example = "e.g. 127.0.0.1:1883 or [::1]:1883";
  if (text.empty()) return fail("empty address; expected ip:port, " + example);
  std::string ip;
  std::string_view port_text;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos)
      return fail("address " + quoted(text) + ": missing ']' after the IPv6 address, " + example);
    ip = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':')
      return fail("address " + quoted(text) +
                  " has no port; expected [ipv6]:port, e.g. [::1]:1883");
    port_text = rest.substr(1);
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, ip.c_str(), &sin6.sin6_addr) != 1)
      return fail("address " + quoted(text) + ": " + quoted(ip) + " is not a numeric IPv6 address");
    const auto port = parsePort(text, port_text);
    if (!port) return fail(port.error());
    sin6.sin6_port = htons(*port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return fail("address " + quoted(text) + " has no port; expected ip:port, " + example);
  if (text.find(':') != colon) {
    in6_addr whole{};
    if (inet_pton(AF_INET6, std::string(text).c_str(), &whole) == 1)
      return fail("address " + quoted(text) +
                  " has no port; write IPv6 addresses in brackets with a port, e.g. [::1]:1883");
    return fail("address " + quoted(text) + ": write IPv6 addresses in brackets, e.g. [::1]:1883");
  }
  ip = std::string(text.substr(0, colon));
  port_text = text.substr(colon + 1);
  if (ip.empty())
    return fail("address " + quoted(text) + " has no IP; use 0.0.0.0" + std::string(text) +
                " to listen on every IPv4 address");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  if (inet_pton(AF_INET, ip.c_str(), &sin.sin_addr) != 1) {
    if (ip.find_first_not_of("0123456789.") == std::string::npos)
      return fail("address " + quoted(text) + ": " + quoted(ip) + " is not a valid IPv4 address");
    return fail("address " + quoted(text) + ": " + quoted(ip) +
                " is not a numeric IP address; the gateway does not resolve host names, "
                "write an IP such as 127.0.0.1 or [::1]");
  }
  const auto port = parsePort(text, port_text);
  if (!port) return fail(port.error());
  sin.sin_port = htons(*port);
  return SocketAddress(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
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

bool SocketAddress::isWildcard() const {
  if (family() == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr == htonl(INADDR_ANY);
  if (family() == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr);
  return false;
}

bool SocketAddress::overlaps(const SocketAddress& other) const {
  if (empty() || other.empty() || port() == 0 || port() != other.port()) return false;
  if (family() == AF_INET6 && isWildcard()) return true;
  if (other.family() == AF_INET6 && other.isWildcard()) return true;
  if (family() != other.family()) return false;
  if (isWildcard() || other.isWildcard()) return true;
  if (family() == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&other.storage_)->sin_addr.s_addr;
  return IN6_ARE_ADDR_EQUAL(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
                            &reinterpret_cast<const sockaddr_in6*>(&other.storage_)->sin6_addr);
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

bool SocketAddress::operator==(const SocketAddress& other) const {
  if (family() != other.family() || empty() != other.empty()) return false;
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage_);
    return a->sin6_port == b->sin6_port && a->sin6_scope_id == b->sin6_scope_id &&
           std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
  }
  return len_ == other.len_ && std::memcmp(&storage_, &other.storage_, len_) == 0;
}

}  // namespace mqttd
