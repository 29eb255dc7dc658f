// TlsServerContext: the GnuTLS side shared by every QUIC connection of a listener: certificate
// chain and key, TLS 1.3 only, the mandatory ALPN list.
#pragma once

#include <gnutls/gnutls.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "mqttd/config.h"

namespace mqttd {

class TlsServerContext {
 public:
  // From listeners.quic: cert, key, alpn, zero_rtt, ticket_key_file. Read-only once created:
  // one context may serve the sessions of every worker.
  static Result<std::unique_ptr<TlsServerContext>, std::string> create(
      const QuicListenerConfig& config);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // Sets up a fresh server session: credentials, priorities, ALPN (mandatory), ngtcp2 glue.
  // The caller owns `session` (gnutls_deinit).
  Result<void, std::string> configure(gnutls_session_t session) const;

 private:
  TlsServerContext() = default;

  gnutls_certificate_credentials_t credentials_ = nullptr;
  // Parsed once and shared by every session (gnutls_priority_set_direct would parse the string
  // and keep a private copy, ~8 kB, in each session).
  gnutls_priority_t priority_ = nullptr;
  std::vector<std::string> alpn_;           // offered protocol ids, in preference order
  std::vector<gnutls_datum_t> alpn_datums_;  // views into alpn_
};

}  // namespace mqttd
