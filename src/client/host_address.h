// resolveHost: HOST:PORT -> a socket address for the client tools (the gateway itself never
// resolves names; clients may).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "net/socket_address.h"

namespace mqttd::client {

// IPv4 first when the name has both (mosquitto_pub -h localhost reaches 127.0.0.1 listeners).
Result<SocketAddress, std::string> resolveHost(const std::string& host, uint16_t port);

}  // namespace mqttd::client
