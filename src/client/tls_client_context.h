// TlsClientContext: the GnuTLS certificate credentials (trust store) shared by client sessions.
#pragma once

#include <gnutls/gnutls.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace mqttd::client {

struct TlsClientOptions {
  std::vector<std::string> alpn{"mqtt"};  // offered in order; the server must pick one
  // SNI and the name the certificate must match. A numeric IP is matched against the
  // certificate's IP SANs and not sent as SNI (RFC 6066 §3). Empty: no name check.
  std::string server_name;
  std::string ca_file;    // PEM bundle of trusted CAs; empty: the system trust store
  bool insecure = false;  // accept any certificate (testing only)
};

class TlsClientContext {
 public:
  // Loads the trust store named by `options` (not needed when insecure, but loaded if given).
  [[nodiscard]] static Result<std::unique_ptr<TlsClientContext>, std::string> create(
      const TlsClientOptions& options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  gnutls_certificate_credentials_t credentials() const { return cred_; }

 private:
  TlsClientContext() = default;
  gnutls_certificate_credentials_t cred_ = nullptr;  // owned
};

}  // namespace mqttd::client
