#include "client/tls_client_session.h"

#include <arpa/inet.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include <vector>

namespace mqttd::client {
namespace {

// RFC 9001 §4.2: TLS 1.3 or later; no middlebox compatibility mode (§8.4); AEADs with a
// header-protection cipher (§5.3: AES-GCM, ChaCha20-Poly1305, AES-CCM but not CCM_8).
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "+AES-128-CCM:%DISABLE_TLS13_COMPAT_MODE";

bool isNumericHost(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

TlsClientSession::~TlsClientSession() {
  if (session_ != nullptr) gnutls_deinit(session_);
}

Result<void, std::string> TlsClientSession::init(const TlsClientContext& context,
                                                 const TlsClientOptions& options,
                                                 ngtcp2_crypto_conn_ref* conn_ref,
                                                 const std::vector<uint8_t>& resume) {
  // QUIC has no EndOfEarlyData message (RFC 9001 §8.3).
  const unsigned flags = GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA |
                         (resume.empty() ? 0u : unsigned{GNUTLS_ENABLE_EARLY_DATA});
  if (int rv = gnutls_init(&session_, flags); rv != 0) {
    return fail("gnutls_init: " + std::string(gnutls_strerror(rv)));
  }
  if (int rv = gnutls_priority_set_direct(session_, kPriority, nullptr); rv != 0) {
    return fail("gnutls_priority_set_direct: " + std::string(gnutls_strerror(rv)));
  }
  if (ngtcp2_crypto_gnutls_configure_client_session(session_) != 0) {
    return fail("ngtcp2_crypto_gnutls_configure_client_session failed");
  }
  gnutls_session_set_ptr(session_, conn_ref);
  if (!resume.empty()) {
    // A stale or foreign ticket is not an error: GnuTLS then does a full handshake.
    if (int rv = gnutls_session_set_data(session_, resume.data(), resume.size()); rv != 0) {
      return fail("gnutls_session_set_data: " + std::string(gnutls_strerror(rv)));
    }
  }
  if (int rv = gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, context.credentials());
      rv != 0) {
    return fail("gnutls_credentials_set: " + std::string(gnutls_strerror(rv)));
  }

  if (options.alpn.empty()) return fail("no ALPN protocol to offer");
  std::vector<gnutls_datum_t> protocols;
  for (const std::string& p : options.alpn) {
    if (p.empty() || p.size() > 255) return fail("ALPN protocol '" + p + "': 1..255 bytes");
    protocols.push_back({reinterpret_cast<unsigned char*>(const_cast<char*>(p.data())),
                         static_cast<unsigned>(p.size())});
  }
  if (int rv = gnutls_alpn_set_protocols(session_, protocols.data(),
                                         static_cast<unsigned>(protocols.size()),
                                         GNUTLS_ALPN_MANDATORY);
      rv != 0) {
    return fail("gnutls_alpn_set_protocols: " + std::string(gnutls_strerror(rv)));
  }

  const std::string& name = options.server_name;
  if (!name.empty() && !isNumericHost(name)) {
    if (int rv = gnutls_server_name_set(session_, GNUTLS_NAME_DNS, name.data(), name.size());
        rv != 0) {
      return fail("gnutls_server_name_set: " + std::string(gnutls_strerror(rv)));
    }
  }
  if (!options.insecure) {
    // The handshake fails with a bad_certificate alert when the chain or the name does not
    // verify; verifyFailure() then explains why.
    gnutls_session_set_verify_cert(session_, name.empty() ? nullptr : name.c_str(), 0);
    verify_ = true;
  }
  return {};
}

bool TlsClientSession::resumed() const {
  return session_ != nullptr && gnutls_session_is_resumed(session_) != 0;
}

bool TlsClientSession::earlyDataAccepted() const {
  return session_ != nullptr && (gnutls_session_get_flags(session_) & GNUTLS_SFLAGS_EARLY_DATA) != 0;
}

std::vector<uint8_t> TlsClientSession::sessionData() const {
  gnutls_datum_t data{};
  if (session_ == nullptr || gnutls_session_get_data2(session_, &data) != 0) return {};
  std::vector<uint8_t> out(data.data, data.data + data.size);
  gnutls_free(data.data);
  return out;
}

std::optional<std::string> TlsClientSession::verifyFailure() const {
  if (!verify_ || session_ == nullptr) return std::nullopt;
  const unsigned status = gnutls_session_get_verify_cert_status(session_);
  if (status == 0) return std::nullopt;
  gnutls_datum_t text{};
  std::string out = "certificate verify failed";
  if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
    out += ": ";
    out.append(reinterpret_cast<const char*>(text.data), text.size);
    gnutls_free(text.data);
  }
  return out;
}

std::string TlsClientSession::selectedAlpn() const {
  gnutls_datum_t proto{};
  if (session_ == nullptr || gnutls_alpn_get_selected_protocol(session_, &proto) != 0) return {};
  return std::string(reinterpret_cast<const char*>(proto.data), proto.size);
}

}  // namespace mqttd::client
