// TlsClientSession: one GnuTLS client session configured for QUIC (TLS 1.3 only, ALPN,
// certificate verification) and wired to an ngtcp2 connection through ngtcp2_crypto_conn_ref.
#pragma once

#include <gnutls/gnutls.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/tls_client_context.h"
#include "core/result.h"

struct ngtcp2_crypto_conn_ref;

namespace mqttd::client {

class TlsClientSession {
 public:
  TlsClientSession() = default;
  ~TlsClientSession();
  TlsClientSession(const TlsClientSession&) = delete;
  TlsClientSession& operator=(const TlsClientSession&) = delete;

  // `conn_ref` must outlive this session (pitfall 2: the session pointer is the conn_ref).
  // `resume`: TLS session data from an earlier connection's ticket (empty: a full handshake);
  // with it, early data (0-RTT) is enabled.
  [[nodiscard]] Result<void, std::string> init(const TlsClientContext& context,
                                               const TlsClientOptions& options,
                                               ngtcp2_crypto_conn_ref* conn_ref,
                                               const std::vector<uint8_t>& resume = {});

  gnutls_session_t native() const { return session_; }
  // After a failed handshake: why the certificate was rejected, or nullopt when it was not.
  std::optional<std::string> verifyFailure() const;
  // The protocol the server selected, empty before the handshake.
  std::string selectedAlpn() const;
  // After the handshake: whether it resumed a session / the server accepted our early data.
  bool resumed() const;
  bool earlyDataAccepted() const;
  // Serialised session for a later resumption (after a NewSessionTicket); empty if none.
  std::vector<uint8_t> sessionData() const;

 private:
  gnutls_session_t session_ = nullptr;  // owned
  bool verify_ = false;                 // certificate verification requested
};

}  // namespace mqttd::client
