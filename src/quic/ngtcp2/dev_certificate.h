// DevCertificate: a self-signed certificate for development and tests (`mqttd-gw --dev-cert
// DIR`), so trying the QUIC listener needs no openssl/certtool. Never for production.
#pragma once

#include <string>

#include "core/result.h"

namespace mqttd {

class DevCertificate {
 public:
  // Writes `dir`/dev.crt and `dir`/dev.key (mode 0600): ECDSA P-256, CN=localhost,
  // SAN DNS:localhost + IP 127.0.0.1 + IP ::1, valid for `days` from now.
  static Result<void, std::string> write(const std::string& dir, int days = 30);
};

}  // namespace mqttd
