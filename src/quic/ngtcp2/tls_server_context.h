// TlsServerContext: the GnuTLS side shared by every QUIC connection of a listener: certificate
// chain and key, TLS 1.3 only, the mandatory ALPN list. The certificate can be replaced while
// the listener runs (reloadCertificate()): new handshakes get the new pair, sessions configured
// before keep the one they were given.
#pragma once

#include <gnutls/gnutls.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "core/result.h"
#include "quic/ngtcp2/anti_replay_store.h"
#include "quic/ngtcp2/server_certificate.h"
#include "mqttd/config.h"

namespace mqttd {

class TlsServerContext {
 public:
  // What reloadCertificate() did.
  enum class Reload {
    kUnchanged,  // both files are byte-identical to the pair in force: nothing was replaced
    kReloaded,   // a new pair is in force for new handshakes
  };
  // Why reloadCertificate() failed; the pair in force stays.
  struct ReloadFailure {
    std::string message;  // names the file and the reason
    // SHA-256 of the certificate file then of the key file as read; empty when a file could not
    // be read. The same broken files give the same `message` and `contents` every time.
    std::string contents;
  };

  // From listeners.quic: cert, key, alpn, zero_rtt, ticket_key_file. One context serves the
  // sessions of every worker: everything but the certificate is read-only once created.
  static Result<std::unique_ptr<TlsServerContext>, std::string> create(
      const QuicListenerConfig& config);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // Sets up a fresh server session: the certificate in force, priorities, ALPN (mandatory),
  // ngtcp2 glue; with zero_rtt also session tickets, early data and anti-replay. The caller owns
  // `session` (gnutls_deinit) and created it with initFlags(). Returns the certificate the
  // session points at: the caller must hold it until after gnutls_deinit(session). Any thread.
  Result<std::shared_ptr<const ServerCertificate>, std::string> configure(
      gnutls_session_t session) const;
  // Re-reads the `cert` and `key` files given to create(). Unchanged bytes: nothing happens.
  // Otherwise the new pair is checked (parsable, the key matches the certificate) and put in
  // force for the next configure(); on any error the pair in force stays. Any thread, but one
  // at a time (the gateway calls it on its main thread).
  Result<Reload, ReloadFailure> reloadCertificate();
  // The pair in force (never null). Any thread.
  std::shared_ptr<const ServerCertificate> certificate() const;
  const std::string& certFile() const { return cert_file_; }
  const std::string& keyFile() const { return key_file_; }
  // gnutls_init() flags for a server session of this listener.
  unsigned initFlags() const;
  bool zeroRtt() const { return zero_rtt_; }
  // Call on each worker thread before it handshakes (sets up its anti-replay context).
  void prepareThread() const {
    if (zero_rtt_) (void)antiReplayForThisThread();
  }
  // The anti-replay memory (for tests and metrics): ClientHellos recorded in the window.
  size_t antiReplayEntries() const { return anti_replay_store_ ? anti_replay_store_->size() : 0; }

 private:
  TlsServerContext() = default;

  std::string cert_file_;  // listeners.quic.cert, absolute
  std::string key_file_;   // listeners.quic.key, absolute
  // The pair in force. A mutex rather than std::atomic<std::shared_ptr>: that is not lock-free
  // either (libstdc++ 12 spins on a lock bit of the pointer), the lock is taken once per
  // handshake and per reload, and LiveSettings shares its snapshot the same way.
  mutable std::mutex certificate_mutex_;
  std::shared_ptr<const ServerCertificate> certificate_;  // never null once created
  // Parsed once and shared by every session (gnutls_priority_set_direct would parse the string
  // and keep a private copy, ~8 kB, in each session).
  gnutls_priority_t priority_ = nullptr;
  std::vector<std::string> alpn_;           // offered protocol ids, in preference order
  std::vector<gnutls_datum_t> alpn_datums_;  // views into alpn_
  bool zero_rtt_ = false;
  std::vector<uint8_t> ticket_key_;          // 64-byte master key; GnuTLS rotates keys from it
  // GnuTLS's anti-replay context keeps a window start time that it rewrites without a lock, so
  // each thread (worker) gets its own; all of them record into the one locked store.
  gnutls_anti_replay_t antiReplayForThisThread() const;
  mutable std::mutex anti_replay_mutex_;
  mutable std::map<std::thread::id, gnutls_anti_replay_t> anti_replays_;
  std::unique_ptr<AntiReplayStore> anti_replay_store_;
};

}  // namespace mqttd
