#include "config/ip_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace mqttd::config {
namespace {

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

bool isIpv4(const std::string& ip) {
  in_addr a{};
  return inet_pton(AF_INET, ip.c_str(), &a) == 1;
}

bool isIpv6(const std::string& ip) {
  in6_addr a{};
  return inet_pton(AF_INET6, ip.c_str(), &a) == 1;
}

Result<uint16_t, std::string> parsePort(std::string_view full, std::string_view port) {
  if (port.empty())
    return fail("address " + quoted(full) + " has no port; expected ip:port, e.g. 127.0.0.1:1883");
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
    return fail("address " + quoted(full) + ": port " + quoted(port) +
                " is not a number in 0..65535");
  const unsigned long value = std::stoul(std::string(port));
  if (value > 65535)
    return fail("address " + quoted(full) + ": port " + std::string(port) +
                " is out of range 0..65535");
  return static_cast<uint16_t>(value);
}

}  // namespace

bool IpEndpoint::isWildcard() const {
  return ip == "0.0.0.0" || ip == "::";
}

bool IpEndpoint::overlaps(const IpEndpoint& other) const {
  if (port == 0 || port != other.port) return false;
  if (family == other.family && ip == other.ip) return true;
  if (family == AF_INET6 && isWildcard()) return true;
  if (other.family == AF_INET6 && other.isWildcard()) return true;
  return family == other.family && (isWildcard() || other.isWildcard());
}

Result<IpEndpoint, std::string> parseIpEndpoint(std::string_view text) {
  const std::string example = "e.g. 127.0.0.1:1883 or [::1]:1883";
  if (text.empty()) return fail("empty address; expected ip:port, " + example);
  IpEndpoint out;
  std::string_view port;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos)
      return fail("address " + quoted(text) + ": missing ']' after the IPv6 address, " + example);
    out.ip = std::string(text.substr(1, close - 1));
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':')
      return fail("address " + quoted(text) +
                  " has no port; expected [ipv6]:port, e.g. [::1]:1883");
    port = rest.substr(1);
    if (!isIpv6(out.ip))
      return fail("address " + quoted(text) + ": " + quoted(out.ip) +
                  " is not a numeric IPv6 address");
    out.family = AF_INET6;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return fail("address " + quoted(text) + " has no port; expected ip:port, " + example);
    }
    if (text.find(':') != colon) {
      if (isIpv6(std::string(text)))
        return fail("address " + quoted(text) +
                    " has no port; write IPv6 addresses in brackets "
                    "with a port, e.g. [::1]:1883");
      return fail("address " + quoted(text) + ": write IPv6 addresses in brackets, e.g. " +
                  "[::1]:1883");
    }
    out.ip = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (out.ip.empty())
      return fail("address " + quoted(text) + " has no IP; use 0.0.0.0" + std::string(text) +
                  " to listen on every IPv4 address");
    if (!isIpv4(out.ip)) {
      const bool looks_numeric = out.ip.find_first_not_of("0123456789.") == std::string::npos;
      if (looks_numeric)
        return fail("address " + quoted(text) + ": " + quoted(out.ip) +
                    " is not a valid IPv4 address");
      return fail("address " + quoted(text) + ": " + quoted(out.ip) +
                  " is not a numeric IP address; the gateway does not resolve host names, "
                  "write an IP such as 127.0.0.1 or [::1]");
    }
    out.family = AF_INET;
  }
  auto p = parsePort(text, port);
  if (!p) return fail(p.error());
  out.port = *p;
  return out;
}

}  // namespace mqttd::config
