#include "quic/ngtcp2/tls_server_context.h"

#include <fcntl.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/unique_fd.h"

namespace mqttd {
namespace {

// TLS 1.3 only (RFC 9001 §4.2); no middlebox compatibility mode in QUIC (RFC 9001 §8.4).
// Key exchange: X25519 first and the server's order wins, so a client that sends an X25519 key
// share (GnuTLS, quic-go, most stacks) gets it: it costs about half of a P-256 exchange in
// nettle. A client offering only NIST curves still gets one without a HelloRetryRequest.
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
    "+GROUP-SECP521R1:+GROUP-X448:%SERVER_PRECEDENCE:%DISABLE_TLS13_COMPAT_MODE";

constexpr size_t kMaxPemFile = 1024 * 1024;  // a certificate chain is a few kB; bigger is wrong
constexpr size_t kTicketKeySize = 64;             // what gnutls_session_ticket_enable_server takes
constexpr size_t kAntiReplayCapacity = 1'000'000;  // ClientHellos per window (~100 MB at most)
constexpr unsigned kAntiReplayWindowMs = 10'000;   // GnuTLS's default freshness window

// The whole of a PEM file; the error names it (`what` `path`) and says why it cannot be read.
// Sized up front so that a key is not left behind in buffers freed by growing the string.
Result<std::string, std::string> readPemFile(const std::string& path, const char* what) {
  const std::string name = std::string(what) + " '" + path + "'";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0)
    return fail("cannot read " + name + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("cannot read " + name + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxPemFile)
    return fail(name + " is larger than " + std::to_string(kMaxPemFile) + " bytes");
  std::string bytes(static_cast<size_t>(st.st_size) + 1, '\0');  // +1: notice a growing file
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + name + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == bytes.size()) return fail("cannot read " + name + ": it changed while being read");
  bytes.resize(got);
  return bytes;
}

// Key material should not stay behind in freed heap memory.
void wipe(std::string& secret) {
  if (!secret.empty()) gnutls_memset(secret.data(), 0, secret.size());
}

// The ticket master key: 64 raw bytes, or their base64 (whitespace around it ignored).
Result<std::vector<uint8_t>, std::string> readTicketKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof()) return fail("cannot read session ticket key file '" + path + "'");
  if (text.size() == kTicketKeySize) return std::vector<uint8_t>(text.begin(), text.end());
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  if (first != std::string::npos) text = text.substr(first, last - first + 1);
  gnutls_datum_t b64{reinterpret_cast<unsigned char*>(text.data()),
                     static_cast<unsigned>(text.size())};
  gnutls_datum_t raw{};
  if (gnutls_base64_decode2(&b64, &raw) == 0) {
    std::vector<uint8_t> key(raw.data, raw.data + raw.size);
    gnutls_free(raw.data);
    if (key.size() == kTicketKeySize) return key;
  }
  return fail("session ticket key file '" + path + "': expected " +
              std::to_string(kTicketKeySize) + " random bytes, raw or base64 (e.g. `head -c " +
              std::to_string(kTicketKeySize) + " /dev/urandom > " + path + "`)");
}

// GnuTLS 3.7 builds the key as 12 bytes of its context's window start time, then the
// ClientHello's identity. Every worker has its own context (and start time), so the prefix is
// dropped: the same ClientHello is then a repeat whichever worker saw it first.
constexpr size_t kAntiReplayKeyPrefix = 12;

int antiReplayAdd(void* ptr, time_t expires, const gnutls_datum_t* key, const gnutls_datum_t*) {
  auto* store = static_cast<AntiReplayStore*>(ptr);
  const size_t skip = key->size > kAntiReplayKeyPrefix ? kAntiReplayKeyPrefix : 0;
  const auto r = store->add(
      std::string(reinterpret_cast<const char*>(key->data) + skip, key->size - skip), expires);
  return r == AntiReplayStore::Result::kAdded ? 0 : GNUTLS_E_DB_ENTRY_EXISTS;
}

}  // namespace

Result<std::unique_ptr<TlsServerContext>, std::string> TlsServerContext::create(
    const QuicListenerConfig& config) {
  std::unique_ptr<TlsServerContext> self(new TlsServerContext());
  self->cert_file_ = config.cert;
  self->key_file_ = config.key;
  if (auto loaded = self->reloadCertificate(); !loaded) return fail(loaded.error().message);
  const char* error_at = nullptr;
  if (int rv = gnutls_priority_init(&self->priority_, kPriority, &error_at); rv != 0)
    return fail(std::string("TLS priority string: ") + gnutls_strerror(rv) + " at '" +
                (error_at != nullptr ? error_at : "") + "'");
  self->alpn_ = config.alpn;
  self->zero_rtt_ = config.zero_rtt;
  if (self->zero_rtt_) {
    if (!config.ticket_key_file.empty()) {
      auto key = readTicketKey(config.ticket_key_file);
      if (!key) return fail(key.error());
      self->ticket_key_ = std::move(*key);
    } else {
      gnutls_datum_t key{};
      if (int rv = gnutls_session_ticket_key_generate(&key); rv != 0)
        return fail(std::string("session ticket key: ") + gnutls_strerror(rv));
      self->ticket_key_.assign(key.data, key.data + key.size);
      gnutls_memset(key.data, 0, key.size);
      gnutls_free(key.data);
    }
    self->anti_replay_store_ = std::make_unique<AntiReplayStore>(kAntiReplayCapacity);
    if (self->antiReplayForThisThread() == nullptr) return fail(std::string("anti-replay: out of memory"));
  }
  for (auto& id : self->alpn_)
    self->alpn_datums_.push_back(
        gnutls_datum_t{reinterpret_cast<unsigned char*>(id.data()),
                       static_cast<unsigned>(id.size())});
  return self;
}

TlsServerContext::~TlsServerContext() {
  for (auto& [thread, context] : anti_replays_) gnutls_anti_replay_deinit(context);
  if (!ticket_key_.empty()) gnutls_memset(ticket_key_.data(), 0, ticket_key_.size());
  if (priority_ != nullptr) gnutls_priority_deinit(priority_);
}

std::shared_ptr<const ServerCertificate> TlsServerContext::certificate() const {
  std::lock_guard lock(certificate_mutex_);
  return certificate_;
}

Result<TlsServerContext::Reload, TlsServerContext::ReloadFailure>
TlsServerContext::reloadCertificate() {
  auto cert_pem = readPemFile(cert_file_, "certificate file");
  if (!cert_pem) return fail(ReloadFailure{cert_pem.error(), ""});
  auto key_pem = readPemFile(key_file_, "key file");
  if (!key_pem) return fail(ReloadFailure{key_pem.error(), ""});
  const auto cert_digest = ServerCertificate::digest(*cert_pem);
  const auto key_digest = ServerCertificate::digest(*key_pem);
  const std::shared_ptr<const ServerCertificate> current = certificate();
  if (current && current->certDigest() == cert_digest && current->keyDigest() == key_digest) {
    wipe(*key_pem);
    return Reload::kUnchanged;
  }
  auto made = ServerCertificate::fromPem(*cert_pem, *key_pem, cert_file_, key_file_);
  wipe(*key_pem);
  if (!made)
    return fail(ReloadFailure{made.error(),
                              std::string(cert_digest.begin(), cert_digest.end()) +
                                  std::string(key_digest.begin(), key_digest.end())});
  std::lock_guard lock(certificate_mutex_);
  // Sessions configured with the old pair hold it; it is freed when the last of them is.
  certificate_ = std::move(*made);
  return Reload::kReloaded;
}

Result<std::shared_ptr<const ServerCertificate>, std::string> TlsServerContext::configure(
    gnutls_session_t session) const {
  std::shared_ptr<const ServerCertificate> in_force = certificate();
  if (int rv = gnutls_priority_set(session, priority_); rv != 0)
    return fail(std::string("gnutls_priority_set: ") + gnutls_strerror(rv));
  if (ngtcp2_crypto_gnutls_configure_server_session(session) != 0)
    return fail(std::string("ngtcp2_crypto_gnutls_configure_server_session failed"));
  // Mandatory: a client offering none of our protocols gets no_application_protocol
  // (RFC 9001 §8.1; CRYPTO_ERROR 0x178).
  if (int rv = gnutls_alpn_set_protocols(session, alpn_datums_.data(),
                                         static_cast<unsigned>(alpn_datums_.size()),
                                         GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE);
      rv != 0)
    return fail(std::string("gnutls_alpn_set_protocols: ") + gnutls_strerror(rv));
  if (zero_rtt_) {
    const gnutls_datum_t key{const_cast<unsigned char*>(ticket_key_.data()),
                             static_cast<unsigned>(ticket_key_.size())};
    if (int rv = gnutls_session_ticket_enable_server(session, &key); rv != 0)
      return fail(std::string("gnutls_session_ticket_enable_server: ") + gnutls_strerror(rv));
    gnutls_anti_replay_t anti_replay = antiReplayForThisThread();
    if (anti_replay == nullptr) return fail(std::string("anti-replay: out of memory"));
    gnutls_anti_replay_enable(session, anti_replay);
    // RFC 9001 §4.6.1: a QUIC ticket that allows 0-RTT carries max_early_data_size 0xffffffff.
    (void)gnutls_record_set_max_early_data_size(session, 0xffffffffu);
  }
  // Last: from here on the session points at the credentials, and only a success hands the
  // caller what keeps them alive.
  if (int rv = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, in_force->credentials());
      rv != 0)
    return fail(std::string("gnutls_credentials_set: ") + gnutls_strerror(rv));
  return in_force;
}

gnutls_anti_replay_t TlsServerContext::antiReplayForThisThread() const {
  std::lock_guard lock(anti_replay_mutex_);
  gnutls_anti_replay_t& context = anti_replays_[std::this_thread::get_id()];
  if (context == nullptr) {
    if (gnutls_anti_replay_init(&context) != 0) {
      context = nullptr;
      return nullptr;
    }
    gnutls_anti_replay_set_window(context, kAntiReplayWindowMs);
    gnutls_anti_replay_set_add_function(context, antiReplayAdd);
    gnutls_anti_replay_set_ptr(context, anti_replay_store_.get());
  }
  return context;
}

unsigned TlsServerContext::initFlags() const {
  unsigned flags = GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET | GNUTLS_NO_END_OF_EARLY_DATA;
  if (zero_rtt_) flags |= GNUTLS_ENABLE_EARLY_DATA;
  return flags;
}

}  // namespace mqttd
