#include "client/tls_client_context.h"

namespace mqttd::client {

Result<std::unique_ptr<TlsClientContext>, std::string> TlsClientContext::create(
    const TlsClientOptions& options) {
  std::unique_ptr<TlsClientContext> ctx(new TlsClientContext());
  if (int rv = gnutls_certificate_allocate_credentials(&ctx->cred_); rv != 0) {
    return fail("gnutls_certificate_allocate_credentials: " + std::string(gnutls_strerror(rv)));
  }
  if (!options.ca_file.empty()) {
    const int n = gnutls_certificate_set_x509_trust_file(ctx->cred_, options.ca_file.c_str(),
                                                         GNUTLS_X509_FMT_PEM);
    if (n < 0) {
      return fail("CA file '" + options.ca_file + "': " + gnutls_strerror(n));
    }
    if (n == 0) return fail("CA file '" + options.ca_file + "': no PEM certificates in it");
  } else if (!options.insecure) {
    const int n = gnutls_certificate_set_x509_system_trust(ctx->cred_);
    if (n < 0) return fail("system trust store: " + std::string(gnutls_strerror(n)));
  }
  return ctx;
}

TlsClientContext::~TlsClientContext() {
  if (cred_ != nullptr) gnutls_certificate_free_credentials(cred_);
}

}  // namespace mqttd::client
