// ServerCertificate: one certificate chain and its private key, loaded as GnuTLS credentials,
// with what a reload and the metrics need to know about them (digests of the PEM bytes, the
// leaf's subject and notAfter). Immutable once made.
//
// Ownership: GnuTLS counts no references to credentials; a session configured with them keeps a
// bare pointer. So a ServerCertificate is always held by shared_ptr, and whoever configures a
// session with credentials() keeps that shared_ptr until after the session's gnutls_deinit()
// (TlsServerContext::configure() returns it for that).
#pragma once

#include <gnutls/gnutls.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace mqttd {

class ServerCertificate {
 public:
  using Digest = std::array<uint8_t, 32>;  // SHA-256

  // `cert_pem`: the PEM chain, server certificate first; `key_pem`: its private key (PEM, not
  // encrypted). `cert_file` and `key_file` only name the files in errors, which say which one is
  // wrong and why, e.g. "key file '/etc/mqttd/tls/gw.key' does not match certificate file ..."
  // (GnuTLS: GNUTLS_E_CERTIFICATE_KEY_MISMATCH).
  static Result<std::shared_ptr<const ServerCertificate>, std::string> fromPem(
      std::string_view cert_pem, std::string_view key_pem, const std::string& cert_file,
      const std::string& key_file);
  ~ServerCertificate();
  ServerCertificate(const ServerCertificate&) = delete;
  ServerCertificate& operator=(const ServerCertificate&) = delete;

  static Digest digest(std::string_view bytes);

  // Borrowed: valid while this object lives.
  gnutls_certificate_credentials_t credentials() const { return credentials_; }
  const Digest& certDigest() const { return cert_digest_; }  // of the cert_pem it was made from
  const Digest& keyDigest() const { return key_digest_; }    // of the key_pem
  const std::string& subject() const { return subject_; }    // the leaf's DN, RFC 4514
  int64_t notAfter() const { return not_after_; }            // the leaf's notAfter, unix seconds

 private:
  ServerCertificate() = default;

  gnutls_certificate_credentials_t credentials_ = nullptr;  // owned
  Digest cert_digest_{};
  Digest key_digest_{};
  std::string subject_;
  int64_t not_after_ = 0;
};

}  // namespace mqttd
