#include "quic/ngtcp2/tls_server_context.h"

#include <ngtcp2/ngtcp2_crypto_gnutls.h>

namespace mqttd {
namespace {

// TLS 1.3 only (RFC 9001 §4.2); no middlebox compatibility mode in QUIC (RFC 9001 §8.4).
// Key exchange: X25519 first and the server's order wins, so a client that sends an X25519 key
// share (GnuTLS, quic-go, most stacks) gets it: it costs about half of a P-256 exchange in
// nettle. A client offering only NIST curves still gets one without a HelloRetryRequest.
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
    "+GROUP-SECP521R1:+GROUP-X448:%SERVER_PRECEDENCE:%DISABLE_TLS13_COMPAT_MODE";

}  // namespace

Result<std::unique_ptr<TlsServerContext>, std::string> TlsServerContext::create(
    const QuicListenerConfig& config) {
  const std::string& cert_file = config.cert;
  const std::string& key_file = config.key;
  std::unique_ptr<TlsServerContext> self(new TlsServerContext());
  if (int rv = gnutls_certificate_allocate_credentials(&self->credentials_); rv != 0)
    return fail(std::string("TLS credentials: ") + gnutls_strerror(rv));
  if (int rv = gnutls_certificate_set_x509_key_file(self->credentials_, cert_file.c_str(),
                                                    key_file.c_str(), GNUTLS_X509_FMT_PEM);
      rv < 0)
    return fail("cannot load certificate '" + cert_file + "' / key '" + key_file +
                "': " + gnutls_strerror(rv));
  const char* error_at = nullptr;
  if (int rv = gnutls_priority_init(&self->priority_, kPriority, &error_at); rv != 0)
    return fail(std::string("TLS priority string: ") + gnutls_strerror(rv) + " at '" +
                (error_at != nullptr ? error_at : "") + "'");
  self->alpn_ = config.alpn;
  for (auto& id : self->alpn_)
    self->alpn_datums_.push_back(
        gnutls_datum_t{reinterpret_cast<unsigned char*>(id.data()),
                       static_cast<unsigned>(id.size())});
  return self;
}

TlsServerContext::~TlsServerContext() {
  if (priority_ != nullptr) gnutls_priority_deinit(priority_);
  if (credentials_ != nullptr) gnutls_certificate_free_credentials(credentials_);
}

Result<void, std::string> TlsServerContext::configure(gnutls_session_t session) const {
  if (int rv = gnutls_priority_set(session, priority_); rv != 0)
    return fail(std::string("gnutls_priority_set: ") + gnutls_strerror(rv));
  if (ngtcp2_crypto_gnutls_configure_server_session(session) != 0)
    return fail(std::string("ngtcp2_crypto_gnutls_configure_server_session failed"));
  if (int rv = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, credentials_); rv != 0)
    return fail(std::string("gnutls_credentials_set: ") + gnutls_strerror(rv));
  // Mandatory: a client offering none of our protocols gets no_application_protocol
  // (RFC 9001 §8.1; CRYPTO_ERROR 0x178).
  if (int rv = gnutls_alpn_set_protocols(session, alpn_datums_.data(),
                                         static_cast<unsigned>(alpn_datums_.size()),
                                         GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE);
      rv != 0)
    return fail(std::string("gnutls_alpn_set_protocols: ") + gnutls_strerror(rv));
  return {};
}

}  // namespace mqttd
