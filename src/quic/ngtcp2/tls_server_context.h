// TlsServerContext: the GnuTLS side shared by every QUIC connection of a listener: certificate
// chain and key, TLS 1.3 only, the mandatory ALPN list.
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

  // Sets up a fresh server session: credentials, priorities, ALPN (mandatory), ngtcp2 glue;
  // with zero_rtt also session tickets, early data and anti-replay. The caller owns `session`
  // (gnutls_deinit) and created it with initFlags().
  Result<void, std::string> configure(gnutls_session_t session) const;
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

  gnutls_certificate_credentials_t credentials_ = nullptr;
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
