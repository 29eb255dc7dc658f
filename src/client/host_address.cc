#include "client/host_address.h"

#include <netdb.h>

#include <optional>

namespace mqttd::client {

Result<SocketAddress, std::string> resolveHost(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rv = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rv != 0) {
    return fail("cannot resolve '" + host + "': " + gai_strerror(rv));
  }
  std::optional<SocketAddress> v4;
  std::optional<SocketAddress> any;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    SocketAddress a(ai->ai_addr, ai->ai_addrlen);
    if (!any) any = a;
    if (ai->ai_family == AF_INET && !v4) v4 = a;
  }
  freeaddrinfo(res);
  if (!any) return fail("no address for '" + host + "'");
  return v4 ? *v4 : *any;
}

}  // namespace mqttd::client
