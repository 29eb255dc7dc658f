#include "config/http_url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

namespace mqttd::config {
namespace {

constexpr char kForm[] = "expected http://host[:port][/path]";

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 1123 §2.1 host name: dot-separated labels of 1..63 letters, digits and '-', not starting
// or ending with '-'; at most 253 characters.
bool isHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    const size_t dot = host.find('.', start);
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (const char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isNumericLooking(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return c == '.' || std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

Result<HttpUrl, std::string> parseHttpUrl(std::string_view text) {
  const std::string quoted = "invalid URL '" + std::string(text) + "': ";
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos)
    return fail(quoted + kForm + ", e.g. http://127.0.0.1:8080/alarms");
  const std::string_view scheme = text.substr(0, sep);
  if (equalsIgnoringCase(scheme, "https"))
    return fail(std::string(
        "https is not supported; put a TLS-terminating proxy in front, or use http:// on a "
        "trusted network"));
  if (!equalsIgnoringCase(scheme, "http"))
    return fail(quoted + "unsupported scheme '" + std::string(scheme) + "'; " + kForm);
  for (const char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return fail(quoted + "contains a space or control character; percent-encode it (e.g. %20)");
  if (text.find('#') != std::string_view::npos)
    return fail(quoted + "has a fragment ('#...'), which is never sent to the server; remove it");

  std::string_view rest = text.substr(sep + 3);
  const size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target = rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return fail(quoted + "user info ('user@') is not supported");

  HttpUrl url;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(quoted + "'[' without a closing ']'");
    url.host = std::string(authority.substr(1, close - 1));
    in6_addr v6{};
    if (::inet_pton(AF_INET6, url.host.c_str(), &v6) != 1)
      return fail(quoted + "'" + url.host + "' is not a valid IPv6 address");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return fail(quoted + "unexpected '" + std::string(after) + "' after ']'");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    if (url.host.empty()) return fail(quoted + "no host; " + kForm);
    if (isNumericLooking(url.host)) {
      in_addr v4{};
      if (::inet_pton(AF_INET, url.host.c_str(), &v4) != 1)
        return fail(quoted + "'" + url.host + "' is not a valid IPv4 address");
    } else if (!isHostName(url.host)) {
      return fail(quoted + "'" + url.host +
                  "' is not a valid host name (letters, digits, '-' and '.'; IPv6 addresses in "
                  "brackets)");
    }
  }
  if (has_port) {
    if (port.empty()) return fail(quoted + "':' without a port number");
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      return fail(quoted + "port '" + std::string(port) + "' is not a number in 1..65535");
    const unsigned long value = std::stoul(std::string(port));
    if (value < 1 || value > 65535)
      return fail(quoted + "port " + std::string(port) + " is out of range 1..65535");
    url.port = static_cast<uint16_t>(value);
  }
  url.target = target.empty()          ? "/"
               : target.front() == '?' ? "/" + std::string(target)
                                       : std::string(target);
  return url;
}

}  // namespace mqttd::config
