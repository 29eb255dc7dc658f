#include "quic/ngtcp2/server_certificate.h"

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

namespace mqttd {
namespace {

gnutls_datum_t datumOf(std::string_view bytes) {
  return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(bytes.data())),
                        static_cast<unsigned>(bytes.size())};
}

// RAII for the parsed chain and key while the credentials are built (GnuTLS copies them).
struct Parsed {
  gnutls_x509_crt_t* chain = nullptr;  // gnutls_malloc'ed array of `length` certificates
  unsigned length = 0;
  gnutls_x509_privkey_t key = nullptr;
  ~Parsed() {
    for (unsigned i = 0; i < length; ++i) gnutls_x509_crt_deinit(chain[i]);
    gnutls_free(chain);
    if (key != nullptr) gnutls_x509_privkey_deinit(key);
  }
};

}  // namespace

ServerCertificate::Digest ServerCertificate::digest(std::string_view bytes) {
  Digest out{};
  (void)gnutls_hash_fast(GNUTLS_DIG_SHA256, bytes.data(), bytes.size(), out.data());
  return out;
}

Result<std::shared_ptr<const ServerCertificate>, std::string> ServerCertificate::fromPem(
    std::string_view cert_pem, std::string_view key_pem, const std::string& cert_file,
    const std::string& key_file) {
  const std::string in_cert = "certificate file '" + cert_file + "'";
  const std::string in_key = "key file '" + key_file + "'";
  Parsed parsed;
  const gnutls_datum_t cert_datum = datumOf(cert_pem);
  if (int rv = gnutls_x509_crt_list_import2(&parsed.chain, &parsed.length, &cert_datum,
                                            GNUTLS_X509_FMT_PEM, 0);
      rv < 0)
    return fail(in_cert + ": no PEM certificate could be read: " + gnutls_strerror(rv));
  if (parsed.length == 0) return fail(in_cert + ": no PEM certificate found");
  if (int rv = gnutls_x509_privkey_init(&parsed.key); rv < 0)
    return fail(std::string("private key: ") + gnutls_strerror(rv));
  const gnutls_datum_t key_datum = datumOf(key_pem);
  if (int rv = gnutls_x509_privkey_import2(parsed.key, &key_datum, GNUTLS_X509_FMT_PEM, nullptr, 0);
      rv < 0)
    return fail(in_key +
                ": no PEM private key could be read (an encrypted key is not "
                "supported): " +
                gnutls_strerror(rv));

  std::shared_ptr<ServerCertificate> self(new ServerCertificate());
  if (int rv = gnutls_certificate_allocate_credentials(&self->credentials_); rv < 0)
    return fail(std::string("TLS credentials: ") + gnutls_strerror(rv));
  // GnuTLS checks that the key belongs to the first certificate of the chain.
  if (int rv = gnutls_certificate_set_x509_key(self->credentials_, parsed.chain,
                                               static_cast<int>(parsed.length), parsed.key);
      rv < 0) {
    if (rv == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
      return fail(in_key + " does not match " + in_cert + " (" + gnutls_strerror(rv) + ")");
    return fail(in_cert + " / " + in_key + ": " + gnutls_strerror(rv));
  }

  gnutls_x509_crt_t leaf = parsed.chain[0];
  gnutls_datum_t dn{};
  if (gnutls_x509_crt_get_dn3(leaf, &dn, 0) == 0) {
    self->subject_.assign(reinterpret_cast<const char*>(dn.data), dn.size);
    gnutls_free(dn.data);
  }
  const time_t not_after = gnutls_x509_crt_get_expiration_time(leaf);
  if (not_after == static_cast<time_t>(-1)) return fail(in_cert + ": certificate has no notAfter");
  self->not_after_ = static_cast<int64_t>(not_after);
  self->cert_digest_ = digest(cert_pem);
  self->key_digest_ = digest(key_pem);
  return std::shared_ptr<const ServerCertificate>(std::move(self));
}

ServerCertificate::~ServerCertificate() {
  if (credentials_ != nullptr) gnutls_certificate_free_credentials(credentials_);
}

}  // namespace mqttd
