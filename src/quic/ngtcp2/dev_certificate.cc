#include "quic/ngtcp2/dev_certificate.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>

namespace mqttd {
namespace {

std::string gnutlsError(const char* what, int rv) {
  return std::string(what) + ": " + gnutls_strerror(rv);
}

// RAII for the two GnuTLS handles involved.
struct Handles {
  gnutls_x509_privkey_t key = nullptr;
  gnutls_x509_crt_t crt = nullptr;
  ~Handles() {
    if (crt != nullptr) gnutls_x509_crt_deinit(crt);
    if (key != nullptr) gnutls_x509_privkey_deinit(key);
  }
};

Result<std::string, std::string> exportPem(int (*fn)(void*, gnutls_x509_crt_fmt_t, gnutls_datum_t*),
                                           void* handle) {
  gnutls_datum_t out{};
  if (int rv = fn(handle, GNUTLS_X509_FMT_PEM, &out); rv < 0)
    return fail(gnutlsError("export", rv));
  std::string pem(reinterpret_cast<const char*>(out.data), out.size);
  gnutls_free(out.data);
  return pem;
}

}  // namespace

Result<void, std::string> DevCertificate::write(const std::string& dir, int days) {
  Handles h;
  if (int rv = gnutls_x509_privkey_init(&h.key); rv < 0) return fail(gnutlsError("key init", rv));
  if (int rv = gnutls_x509_privkey_generate(h.key, GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
      rv < 0)
    return fail(gnutlsError("key generation", rv));
  if (int rv = gnutls_x509_crt_init(&h.crt); rv < 0) return fail(gnutlsError("crt init", rv));

  const time_t now = std::time(nullptr);
  unsigned char serial[16];
  (void)gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  in_addr v4{};
  inet_pton(AF_INET, "127.0.0.1", &v4);
  in6_addr v6{};
  inet_pton(AF_INET6, "::1", &v6);
  const char* cn = "localhost";
  int rv = 0;
  if ((rv = gnutls_x509_crt_set_version(h.crt, 3)) < 0 ||
      (rv = gnutls_x509_crt_set_serial(h.crt, serial, sizeof serial)) < 0 ||
      (rv = gnutls_x509_crt_set_activation_time(h.crt, now - 3600)) < 0 ||
      (rv = gnutls_x509_crt_set_expiration_time(h.crt, now + days * 86400L)) < 0 ||
      (rv = gnutls_x509_crt_set_dn_by_oid(h.crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, 9)) < 0 ||
      (rv = gnutls_x509_crt_set_key(h.crt, h.key)) < 0 ||
      (rv = gnutls_x509_crt_set_subject_alt_name(h.crt, GNUTLS_SAN_DNSNAME, cn, 9,
                                                 GNUTLS_FSAN_APPEND)) < 0 ||
      (rv = gnutls_x509_crt_set_subject_alt_name(h.crt, GNUTLS_SAN_IPADDRESS, &v4, sizeof v4,
                                                 GNUTLS_FSAN_APPEND)) < 0 ||
      (rv = gnutls_x509_crt_set_subject_alt_name(h.crt, GNUTLS_SAN_IPADDRESS, &v6, sizeof v6,
                                                 GNUTLS_FSAN_APPEND)) < 0 ||
      (rv = gnutls_x509_crt_set_basic_constraints(h.crt, 0, -1)) < 0 ||
      (rv = gnutls_x509_crt_set_key_usage(h.crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (rv = gnutls_x509_crt_set_key_purpose_oid(h.crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (rv = gnutls_x509_crt_sign2(h.crt, h.crt, h.key, GNUTLS_DIG_SHA256, 0)) < 0)
    return fail(gnutlsError("certificate", rv));

  auto crt_pem = exportPem(
      [](void* p, gnutls_x509_crt_fmt_t f, gnutls_datum_t* o) {
        return gnutls_x509_crt_export2(static_cast<gnutls_x509_crt_t>(p), f, o);
      },
      h.crt);
  auto key_pem = exportPem(
      [](void* p, gnutls_x509_crt_fmt_t f, gnutls_datum_t* o) {
        return gnutls_x509_privkey_export2(static_cast<gnutls_x509_privkey_t>(p), f, o);
      },
      h.key);
  if (!crt_pem) return fail(crt_pem.error());
  if (!key_pem) return fail(key_pem.error());

  (void)::mkdir(dir.c_str(), 0755);
  const std::string crt_path = dir + "/dev.crt";
  const std::string key_path = dir + "/dev.key";
  {
    std::ofstream key_file(key_path, std::ios::trunc);
    if (!key_file) return fail("cannot write " + key_path);
    (void)::chmod(key_path.c_str(), 0600);
    key_file << *key_pem;
  }
  std::ofstream crt_file(crt_path, std::ios::trunc);
  if (!crt_file) return fail("cannot write " + crt_path);
  crt_file << *crt_pem;
  return {};
}

}  // namespace mqttd
