// Webhook URLs in config values: "http://host[:port][/path]". Checked for syntax only: host
// names are not resolved here (the webhook handler resolves them when it starts).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd::config {

struct HttpUrl {
  std::string host;    // numeric IPv4, IPv6 without its brackets, or a DNS name as written
  uint16_t port = 80;  // 1..65535; 80 when the URL names none
  std::string target;  // path and query, as sent in the request line; "/" when the URL has none
};

// Parses "http://host[:port][/path][?query]" (the scheme in any case, RFC 3986 §3.1). Rejects
// https (with advice), other schemes, user info, fragments, empty or malformed hosts and ports,
// and spaces or control characters anywhere. The error is a sentence fragment for
// ConfigError::message: "https is not supported; ..." or "invalid URL 'x': ...".
Result<HttpUrl, std::string> parseHttpUrl(std::string_view text);

}  // namespace mqttd::config
