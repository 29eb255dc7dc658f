#include "quic/ngtcp2/ngtcp2_session.h"

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/clock.h"
#include "core/log.h"
#include "quic/pacing.h"

namespace mqttd {
namespace {

// 1.5 x the largest MQTT keepalive (65535 s): the idle timeout a CONNECT may ask for.
constexpr std::chrono::nanoseconds kMaxKeepAliveIdle = std::chrono::milliseconds(65535ull * 1500);

constexpr size_t kMaxPacketsPerBatch = 16;   // datagrams per sendmsg
constexpr size_t kMaxStreamVecs = 16;        // ngtcp2_vec per writev_stream call

Ngtcp2Session* self(void* user_data) { return static_cast<Ngtcp2Session*>(user_data); }
int result(int rv) { return rv == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE; }

// --- ngtcp2 callback trampolines (style habit 2) ---
int recvStreamData(ngtcp2_conn*, uint32_t flags, int64_t stream_id, uint64_t, const uint8_t* data,
                   size_t len, void* user_data, void*) {
  return result(self(user_data)->onRecvStreamData(flags, stream_id, data, len));
}
int ackedStreamDataOffset(ngtcp2_conn*, int64_t stream_id, uint64_t offset, uint64_t len,
                          void* user_data, void*) {
  return result(self(user_data)->onAckedStreamData(stream_id, offset, len));
}
int streamOpen(ngtcp2_conn*, int64_t stream_id, void* user_data) {
  return result(self(user_data)->onStreamOpen(stream_id));
}
int streamClose(ngtcp2_conn*, uint32_t, int64_t stream_id, uint64_t app_error_code,
                void* user_data, void*) {
  return result(self(user_data)->onStreamClose(stream_id, app_error_code));
}
int streamReset(ngtcp2_conn*, int64_t stream_id, uint64_t, uint64_t, void* user_data, void*) {
  return result(self(user_data)->onStreamReset(stream_id));
}
int streamStopSending(ngtcp2_conn*, int64_t stream_id, uint64_t, void* user_data, void*) {
  return result(self(user_data)->onStreamReset(stream_id));
}
int extendMaxStreamData(ngtcp2_conn*, int64_t stream_id, uint64_t, void* user_data, void*) {
  return result(self(user_data)->onExtendMaxStreamData(stream_id));
}
void randomBytes(uint8_t* dest, size_t len, const ngtcp2_rand_ctx*) {
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}
int getNewConnectionId(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen,
                       void* user_data) {
  return result(self(user_data)->onNewConnectionId(cid, token, cidlen));
}
int removeConnectionId(ngtcp2_conn*, const ngtcp2_cid* cid, void* user_data) {
  return result(self(user_data)->onRemoveConnectionId(cid));
}
int handshakeCompleted(ngtcp2_conn*, void* user_data) {
  return result(self(user_data)->onHandshakeCompleted());
}
int recvCryptoData(ngtcp2_conn*, ngtcp2_crypto_level level, uint64_t offset,
                   const uint8_t* data, size_t len, void* user_data) {
  return self(user_data)->onRecvCryptoData(level, offset, data, len);
}
ngtcp2_conn* getConn(ngtcp2_crypto_conn_ref* ref) {
  return static_cast<Ngtcp2Session*>(ref->user_data)->conn();
}

ngtcp2_cc_algo toNgtcp2(CongestionControl cc) {
  switch (cc) {
    case CongestionControl::kBbr: return NGTCP2_CC_ALGO_BBR;
    case CongestionControl::kReno: return NGTCP2_CC_ALGO_RENO;
    case CongestionControl::kCubic: return NGTCP2_CC_ALGO_CUBIC;
  }
  return NGTCP2_CC_ALGO_CUBIC;
}

uint64_t nanos(std::chrono::milliseconds d) {
  return static_cast<uint64_t>(d.count()) * NGTCP2_MILLISECONDS;
}

ngtcp2_path pathOf(const SocketAddress& local, const SocketAddress& peer) {
  return ngtcp2_path{{const_cast<sockaddr*>(local.get()), local.size()},
                     {const_cast<sockaddr*>(peer.get()), peer.size()},
                     nullptr};
}

}  // namespace

Result<std::unique_ptr<Ngtcp2Session>, std::string> Ngtcp2Session::create(
    EventLoop& loop, Ngtcp2SessionHost& host, const QuicListenerConfig& config,
    const TlsServerContext& tls, const Accept& accept) {
  std::unique_ptr<Ngtcp2Session> session(new Ngtcp2Session(loop, host, config));
  if (auto r = session->init(tls, accept); !r) return fail(r.error());
  return session;
}

Ngtcp2Session::Ngtcp2Session(EventLoop& loop, Ngtcp2SessionHost& host,
                             const QuicListenerConfig& config)
    : loop_(loop),
      host_(host),
      config_(config),
      timer_(loop, [this] { onTimer(); }),
      write_soon_(loop, [this] { writePackets(); }) {
  ngtcp2_connection_close_error_default(&last_error_);
}

Ngtcp2Session::~Ngtcp2Session() {
  state_ = State::kDone;
  splices_.clear();  // streams detach while the connection still exists
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
  if (tls_ != nullptr) gnutls_deinit(tls_);
}

Result<void, std::string> Ngtcp2Session::init(const TlsServerContext& tls, const Accept& accept) {
  const ngtcp2_pkt_hd& hd = accept.header;
  peer_ = accept.datagram.peer;
  local_ = accept.datagram.local;
  scid_ = host_.newConnectionId();

  ngtcp2_callbacks callbacks{};
  callbacks.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  callbacks.recv_crypto_data = recvCryptoData;
  callbacks.handshake_completed = handshakeCompleted;
  callbacks.encrypt = ngtcp2_crypto_encrypt_cb;
  callbacks.decrypt = ngtcp2_crypto_decrypt_cb;
  callbacks.hp_mask = ngtcp2_crypto_hp_mask_cb;
  callbacks.recv_stream_data = recvStreamData;
  callbacks.acked_stream_data_offset = ackedStreamDataOffset;
  callbacks.stream_open = streamOpen;
  callbacks.stream_close = streamClose;
  callbacks.rand = randomBytes;
  callbacks.get_new_connection_id = getNewConnectionId;
  callbacks.remove_connection_id = removeConnectionId;
  callbacks.update_key = ngtcp2_crypto_update_key_cb;
  callbacks.stream_reset = streamReset;
  callbacks.extend_max_stream_data = extendMaxStreamData;
  callbacks.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  callbacks.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  callbacks.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  callbacks.stream_stop_sending = streamStopSending;
  callbacks.version_negotiation = ngtcp2_crypto_version_negotiation_cb;

  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = monotonicNanos();
  settings.token = hd.token;
  settings.cc_algo = toNgtcp2(config_.congestion);
  settings.max_window = config_.max_connection_window;
  settings.max_stream_window = config_.max_stream_window;
  settings.handshake_timeout = nanos(config_.handshake_timeout);
  settings.max_tx_udp_payload_size = config_.max_udp_payload_size;
  settings.no_tx_udp_payload_size_shaping = 1;

  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_remote = config_.initial_stream_window;
  params.initial_max_stream_data_bidi_local = config_.initial_stream_window;
  params.initial_max_stream_data_uni = 0;
  params.initial_max_data = config_.initial_connection_window;
  params.initial_max_streams_bidi = config_.max_streams_bidi;
  params.initial_max_streams_uni = 0;
  // The transport parameter is a ceiling: what a CONNECT's keepalive may stretch our idle
  // timeout to (1.5 x 65535 s). The idle timeout we enforce ourselves (idle_timeout_) starts at
  // listeners.quic.idle_timeout; the client's own max_idle_timeout still applies (RFC 9000
  // §10.1: the smaller one wins), and ngtcp2 enforces that.
  params.max_idle_timeout =
      std::max<uint64_t>(nanos(config_.idle_timeout), static_cast<uint64_t>(kMaxKeepAliveIdle.count()));
  idle_timeout_ = std::chrono::nanoseconds(nanos(config_.idle_timeout));
  last_rx_ns_ = monotonicNanos();
  params.max_udp_payload_size = config_.max_udp_payload_size;
  params.active_connection_id_limit = 7;
  params.stateless_reset_token_present = 1;
  if (!host_.resetToken(scid_, params.stateless_reset_token))
    return fail(std::string("cannot derive a stateless reset token"));
  // ngtcp2-0.12 notes, pitfall 3: original_dcid is ours to set; after Retry, also retry_scid.
  if (accept.original_dcid != nullptr) {
    params.original_dcid = *accept.original_dcid;
    params.retry_scid = hd.dcid;
    params.retry_scid_present = 1;
  } else {
    params.original_dcid = hd.dcid;
  }

  const ngtcp2_path path = pathOf(local_, peer_);
  if (int rv = ngtcp2_conn_server_new(&conn_, &hd.scid, &scid_, &path, hd.version, &callbacks,
                                      &settings, &params, nullptr, this);
      rv != 0)
    return fail(std::string("ngtcp2_conn_server_new: ") + ngtcp2_strerror(rv));

  zero_rtt_ = tls.zeroRtt();
  if (int rv = gnutls_init(&tls_, tls.initFlags()); rv != 0)
    return fail(std::string("gnutls_init: ") + gnutls_strerror(rv));
  auto configured = tls.configure(tls_);
  if (!configured) return fail(configured.error());
  tls_certificate_ = std::move(*configured);
  conn_ref_.get_conn = getConn;
  conn_ref_.user_data = this;
  gnutls_session_set_ptr(tls_, &conn_ref_);  // pitfall 2
  ngtcp2_conn_set_tls_native_handle(conn_, tls_);
  if (config_.keep_alive.count() > 0)
    ngtcp2_conn_set_keep_alive_timeout(conn_, nanos(config_.keep_alive));

  // Pitfall 4: route the client's chosen DCID and our SCID to this session.
  (void)host_.associate(hd.dcid, *this);
  (void)host_.associate(scid_, *this);
  return {};
}

void Ngtcp2Session::onDatagram(const ReceivedDatagram& datagram) {
  switch (state_) {
    case State::kDone:
    case State::kDraining: return;
    case State::kClosing:
      // Answer with our CONNECTION_CLOSE, backing off: on the 1st, 2nd, 4th, 8th... datagram.
      ++closing_rx_;
      if ((closing_rx_ & (closing_rx_ - 1)) == 0 && !close_packet_.empty())
        host_.sendPacket(close_packet_, peer_, local_, 0, 0);
      return;
    case State::kOpen: break;
  }
  const ngtcp2_path path = pathOf(datagram.local, datagram.peer);
  ngtcp2_pkt_info info{};
  info.ecn = datagram.ecn;
  in_read_ = true;
  const int rv = ngtcp2_conn_read_pkt(conn_, &path, &info, datagram.data.data(),
                                      datagram.data.size(), monotonicNanos());
  in_read_ = false;
  if (rv == 0) last_rx_ns_ = monotonicNanos();
  if (release_tls_) releaseTls();
  if (rv != 0) {
    switch (rv) {
      case NGTCP2_ERR_DRAINING: startDraining(); return;
      case NGTCP2_ERR_DROP_CONN: finish("dropped"); return;
      case NGTCP2_ERR_RETRY: finish("retry requested"); return;
      case NGTCP2_ERR_CRYPTO:
        ngtcp2_connection_close_error_set_transport_error_tls_alert(
            &last_error_, ngtcp2_conn_get_tls_alert(conn_), nullptr, 0);
        host_.spliceContext().metrics.addQuicEvent(QuicEvent::kHandshakeFailed);
        Log::info("QUIC handshake failed", {{"peer", datagram.peer.toString()},
                                            {"tls_alert",
                                             std::to_string(ngtcp2_conn_get_tls_alert(conn_))}});
        closeWithError();
        return;
      default:
        ngtcp2_connection_close_error_set_transport_error_liberr(&last_error_, rv, nullptr, 0);
        Log::debug("QUIC packet error", {{"peer", datagram.peer.toString()},
                                         {"error", ngtcp2_strerror(rv)}});
        closeWithError();
        return;
    }
  }
  const ngtcp2_path* current = ngtcp2_conn_get_path(conn_);
  SocketAddress now_peer(current->remote.addr, current->remote.addrlen);
  if (now_peer != peer_) {
    // ngtcp2 moved the connection to a new, validated path (RFC 9000 §9): the client migrated
    // or a NAT rebound it. The stream, its splice and the broker connection stay as they are.
    host_.spliceContext().metrics.addQuicEvent(QuicEvent::kPathMigrated);
    Log::info("QUIC connection moved to a new client address",
              {{"from", peer_.toString()}, {"to", now_peer.toString()}});
    peer_ = now_peer;
  }
  local_ = SocketAddress(current->local.addr, current->local.addrlen);
  notifyReadableStreams();
  writePackets();
}

void Ngtcp2Session::notifyReadableStreams() {
  // A copy: a notification may end a splice (its removal is deferred, but stay safe).
  std::vector<QuicStream*> streams;
  for (auto& [id, stream] : streams_) streams.push_back(stream);
  for (QuicStream* stream : streams) stream->notifyReadable();
}

int Ngtcp2Session::onRecvStreamData(uint32_t flags, int64_t stream_id, const uint8_t* data,
                                    size_t len) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) {
    // The splice is gone: keep the window open so the connection does not stall.
    ngtcp2_conn_extend_max_stream_offset(conn_, stream_id, len);
    ngtcp2_conn_extend_max_offset(conn_, len);
    return 0;
  }
  it->second->deliver(data, len, (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0);
  return 0;
}

int Ngtcp2Session::onAckedStreamData(int64_t stream_id, uint64_t offset, uint64_t len) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return 0;  // the splice is gone; nothing is kept for it
  return it->second->acknowledged(offset, static_cast<size_t>(len)) ? 0 : -1;
}

int Ngtcp2Session::onStreamOpen(int64_t stream_id) {
  if (!ngtcp2_is_bidi_stream(stream_id) || state_ != State::kOpen) return 0;
  const SpliceContext context = host_.spliceContext();
  // Before the handshake completes, a client stream can only come from 0-RTT packets.
  if (!handshake_done_) context.metrics.addQuicEvent(QuicEvent::kZeroRttStreams);
  QuicStreamHost& stream_host = *this;
  auto stream =
      std::make_unique<QuicStream>(stream_host, stream_id, context.limits.buffer_low_water);
  streams_[stream_id] = stream.get();
  std::weak_ptr<bool> alive = alive_;
  auto splice = std::make_unique<Splice>(
      host_.nextConnectionId(), Transport::kQuic, std::move(stream), context,
      [this, alive, stream_id](Splice& done) {
        const bool lost = done.brokerLost();
        loop_.callLater([this, alive, stream_id, lost] {
          if (!alive.expired()) onSpliceDone(stream_id, lost);
        });
      });
  Splice& ref = *splice;
  splices_[stream_id] = std::move(splice);
  had_stream_ = true;
  ref.start();
  return 0;
}

int Ngtcp2Session::onStreamClose(int64_t stream_id, uint64_t) {
  if (auto it = streams_.find(stream_id); it != streams_.end())
    it->second->transportClosed(StreamError::kReset);
  if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn_, stream_id))
    ngtcp2_conn_extend_max_streams_bidi(conn_, 1);  // let the client open another
  return 0;
}

int Ngtcp2Session::onStreamReset(int64_t stream_id) {
  // RESET_STREAM or STOP_SENDING: the client gave up on the stream; close it both ways.
  if (auto it = streams_.find(stream_id); it != streams_.end()) {
    it->second->transportClosed(StreamError::kReset);
    (void)ngtcp2_conn_shutdown_stream(conn_, stream_id, 0);
  }
  return 0;
}

int Ngtcp2Session::onExtendMaxStreamData(int64_t stream_id) {
  if (auto it = streams_.find(stream_id); it != streams_.end()) it->second->blocked = false;
  return 0;
}

int Ngtcp2Session::onNewConnectionId(ngtcp2_cid* cid, uint8_t* token, size_t) {
  *cid = host_.newConnectionId();
  if (!host_.resetToken(*cid, token)) return -1;
  return host_.associate(*cid, *this) ? 0 : -1;
}

int Ngtcp2Session::onRemoveConnectionId(const ngtcp2_cid* cid) {
  host_.dissociate(*cid);
  return 0;
}

int Ngtcp2Session::onHandshakeCompleted() {
  handshake_done_ = true;
  std::array<uint8_t, NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN> token;
  if (const size_t n = host_.newToken(peer_, token.data(), token.size()); n > 0)
    (void)ngtcp2_conn_submit_new_token(conn_, token.data(), n);
  gnutls_datum_t alpn{};
  (void)gnutls_alpn_get_selected_protocol(tls_, &alpn);
  Log::debug("QUIC handshake completed",
             {{"peer", peer_.toString()},
              {"alpn", std::string(reinterpret_cast<const char*>(alpn.data), alpn.size)}});
  if (zero_rtt_) {
    Metrics& metrics = host_.spliceContext().metrics;
    if (gnutls_session_is_resumed(tls_) != 0) metrics.addQuicEvent(QuicEvent::kSessionResumed);
    if ((gnutls_session_get_flags(tls_) & GNUTLS_SFLAGS_EARLY_DATA) != 0)
      metrics.addQuicEvent(QuicEvent::kZeroRttAccepted);
    // One ticket per connection, for the next one (RFC 8446 §4.6.1).
    if (int rv = gnutls_session_ticket_send(tls_, 1, 0); rv != 0)
      Log::debug("cannot send a session ticket", {{"error", gnutls_strerror(rv)}});
  }
  release_tls_ = true;  // not here: GnuTLS is still on the stack
  return 0;
}

// Once the handshake is complete the server needs nothing more from GnuTLS: 1-RTT keys and
// key updates live in ngtcp2, and a QUIC client sends no post-handshake TLS messages to a
// server that asks for none (KeyUpdate is forbidden, RFC 9001 §6). Freeing the session saves
// its record and handshake state (~13 kB of RSS) for the life of every connection.
void Ngtcp2Session::releaseTls() {
  release_tls_ = false;
  if (tls_ == nullptr) return;
  ngtcp2_conn_set_tls_native_handle(conn_, nullptr);
  gnutls_deinit(tls_);
  tls_ = nullptr;
  tls_certificate_.reset();  // after gnutls_deinit: a reloaded-away certificate may go now
}

int Ngtcp2Session::onRecvCryptoData(ngtcp2_crypto_level level, uint64_t offset,
                                    const uint8_t* data, size_t len) {
  if (tls_ == nullptr) {
    // CRYPTO data after the handshake (a post-handshake message): unexpected_message.
    ngtcp2_conn_set_tls_alert(conn_, GNUTLS_A_UNEXPECTED_MESSAGE);
    return NGTCP2_ERR_CRYPTO;
  }
  return ngtcp2_crypto_recv_crypto_data_cb(conn_, level, offset, data, len, this);
}

void Ngtcp2Session::streamConsumed(int64_t stream_id, size_t n) {
  if (state_ != State::kOpen) return;
  ngtcp2_conn_extend_max_stream_offset(conn_, stream_id, n);
  ngtcp2_conn_extend_max_offset(conn_, n);
  streamWantsWrite();  // MAX_STREAM_DATA / MAX_DATA
}

void Ngtcp2Session::streamWantsWrite() {
  if (state_ != State::kOpen || in_read_) return;  // the read path writes anyway
  // Once per loop iteration, after the callbacks that queued data: everything the broker sent
  // in this iteration leaves in as few packets as possible (no allocation, no lock).
  write_soon_.schedule();
}

void Ngtcp2Session::streamAbort(int64_t stream_id) {
  if (state_ != State::kOpen) return;
  (void)ngtcp2_conn_shutdown_stream(conn_, stream_id, 0);
  streamWantsWrite();
}

void Ngtcp2Session::streamDetached(int64_t stream_id) { streams_.erase(stream_id); }

void Ngtcp2Session::onSpliceDone(int64_t stream_id, bool broker_lost) {
  last_splice_broker_lost_ = broker_lost;
  splices_.erase(stream_id);
  if (splices_.empty() && had_stream_ && state_ == State::kOpen) {
    // The MQTT session is over: close the connection (EMQX code 1 when the broker went away).
    writePackets();  // flush the last FIN/ACKs first
    closeConnection(broker_lost ? QuicAppError::kUpstreamLost : QuicAppError::kNoError);
  }
}

QuicStream* Ngtcp2Session::nextStreamToWrite() {
  if (streams_.empty()) return nullptr;
  auto it = streams_.upper_bound(last_written_stream_);
  for (size_t i = 0; i < streams_.size(); ++i, ++it) {
    if (it == streams_.end()) it = streams_.begin();
    QuicStream* s = it->second;
    if (s->hasDataToSend() && !s->blocked) return s;
  }
  return nullptr;
}

void Ngtcp2Session::writePackets() {
  if (state_ != State::kOpen) return;
  const uint64_t ts = monotonicNanos();
  const size_t max_udp = ngtcp2_conn_get_max_tx_udp_payload_size(conn_);
  const size_t quantum = ngtcp2_conn_get_send_quantum(conn_);
  const size_t max_packets =
      std::max<size_t>(1, std::min({kMaxPacketsPerBatch, kTxBufferSize / max_udp, quantum / max_udp}));
  ngtcp2_path_storage ps, batch_ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_path_storage_zero(&batch_ps);
  uint8_t batch_ecn = 0;
  size_t len = 0, gso = 0, packets = 0;
  std::array<iovec, kMaxStreamVecs> vecs;
  uint8_t* const tx = host_.txBuffer();

  for (;;) {
    QuicStream* stream = nextStreamToWrite();
    int64_t stream_id = -1;
    size_t nvecs = 0;
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    bool with_fin = false;
    if (stream != nullptr) {
      stream_id = stream->id();
      nvecs = stream->sendBuffer().unsent(vecs);
      size_t total = 0;
      for (size_t i = 0; i < nvecs; ++i) total += vecs[i].iov_len;
      with_fin = stream->finPending() ||
                 (stream->pendingOutput() > stream->sendBuffer().unackedBytes() &&
                  total == stream->sendBuffer().unsentBytes());
      if (with_fin) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    }
    ngtcp2_pkt_info info{};
    ngtcp2_ssize accepted = -1;
    const ngtcp2_ssize n = ngtcp2_conn_writev_stream(conn_, &ps.path, &info, tx + len,
                                                     max_udp, &accepted, flags, stream_id,
                                                     reinterpret_cast<const ngtcp2_vec*>(vecs.data()),
                                                     nvecs, ts);
    if (stream != nullptr && accepted >= 0) {
      stream->sendBuffer().markSent(static_cast<size_t>(accepted));
      last_written_stream_ = stream_id;
      if (with_fin && stream->sendBuffer().unsentBytes() == 0) stream->markFinSent();
    }
    if (n < 0) {
      if (n == NGTCP2_ERR_WRITE_MORE) continue;  // coalescing: the packet has room for more
      if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED && stream != nullptr) {
        stream->blocked = true;
        continue;
      }
      if (n == NGTCP2_ERR_STREAM_SHUT_WR && stream != nullptr) {
        stream->blocked = true;  // nothing more can go on it
        continue;
      }
      ngtcp2_connection_close_error_set_transport_error_liberr(&last_error_, static_cast<int>(n),
                                                               nullptr, 0);
      closeWithError();
      return;
    }
    if (n == 0) break;  // nothing more to send now (congestion, pacing or idle)

    if (packets > 0 && (!ngtcp2_path_eq(&batch_ps.path, &ps.path) || info.ecn != batch_ecn ||
                        static_cast<size_t>(n) > gso)) {
      // This packet cannot join the batch: send the batch, start a new one with it.
      flush(tx, len, gso, batch_ps.path, batch_ecn);
      std::memmove(tx, tx + len, static_cast<size_t>(n));
      len = 0;
      packets = 0;
    }
    if (packets == 0) {
      ngtcp2_path_copy(&batch_ps.path, &ps.path);
      batch_ecn = info.ecn;
      gso = static_cast<size_t>(n);
    }
    len += static_cast<size_t>(n);
    ++packets;
    if (packets == max_packets || static_cast<size_t>(n) < gso) {
      const bool full = packets == max_packets;
      flush(tx, len, gso, batch_ps.path, batch_ecn);
      len = 0;
      packets = 0;
      if (full) {
        // One send quantum per wake-up, then the loop gets a turn. Come back at once: if pacing
        // wants a pause ngtcp2 writes nothing then and the timer (expiry) brings us back; during
        // the handshake there is no pacing deadline, and waiting for the next timer would stall
        // the rest of the server's flight for an ack delay (~25 ms).
        updatePacing(conn_, ts);
        armTimer();
        streamWantsWrite();
        return;
      }
    }
  }
  if (len > 0) flush(tx, len, gso, batch_ps.path, batch_ecn);
  updatePacing(conn_, ts);
  armTimer();
}

void Ngtcp2Session::flush(const uint8_t* data, size_t len, size_t gso, const ngtcp2_path& path,
                          uint8_t ecn) {
  const SocketAddress peer(path.remote.addr, path.remote.addrlen);
  const SocketAddress local(path.local.addr, path.local.addrlen);
  host_.sendPacket({data, len}, peer, local, ecn, len > gso ? gso : 0);
}

void Ngtcp2Session::streamKeepAlive(int64_t, uint16_t seconds) {
  if (seconds == 0) return;
  // MQTT-3.1.2-24: the server may close after 1.5 x keepalive without a packet; never before.
  const auto wanted = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::milliseconds(uint64_t{seconds} * 1500));
  if (wanted <= idle_timeout_) return;
  idle_timeout_ = wanted;
  Log::debug("QUIC idle timeout follows the MQTT keepalive",
             {{"peer", peer_.toString()}, {"keepalive_s", std::to_string(seconds)},
              {"idle_timeout_ms", std::to_string(idle_timeout_.count() / 1000000)}});
  armTimer();
}

void Ngtcp2Session::armTimer() {
  if (state_ != State::kOpen) return;
  const uint64_t idle_at = last_rx_ns_ + static_cast<uint64_t>(idle_timeout_.count());
  timer_.startAt(std::min<uint64_t>(ngtcp2_conn_get_expiry(conn_), idle_at));
}

void Ngtcp2Session::onTimer() {
  if (state_ == State::kClosing || state_ == State::kDraining) {
    finish("closed");
    return;
  }
  if (state_ != State::kOpen) return;
  if (monotonicNanos() >= last_rx_ns_ + static_cast<uint64_t>(idle_timeout_.count())) {
    finish("idle timeout");  // silent, like ngtcp2's own idle close (RFC 9000 §10.1)
    return;
  }
  if (int rv = ngtcp2_conn_handle_expiry(conn_, monotonicNanos()); rv != 0) {
    if (rv == NGTCP2_ERR_IDLE_CLOSE || rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
      finish(rv == NGTCP2_ERR_IDLE_CLOSE ? "idle timeout" : "handshake timeout");
      return;
    }
    ngtcp2_connection_close_error_set_transport_error_liberr(&last_error_, rv, nullptr, 0);
    closeWithError();
    return;
  }
  writePackets();
}

void Ngtcp2Session::shutdown() {
  if (state_ != State::kOpen) return;
  if (splices_.empty()) {
    closeConnection(QuicAppError::kNoError);
    return;
  }
  for (auto& [id, splice] : splices_) splice->shutdown();
}

void Ngtcp2Session::closeConnection(QuicAppError code) {
  ngtcp2_connection_close_error_set_application_error(&last_error_, static_cast<uint64_t>(code),
                                                      nullptr, 0);
  closeWithError();
}

void Ngtcp2Session::closeWithError() {
  if (state_ != State::kOpen) return;
  closeAllStreams(StreamError::kTransportLost);
  if (last_error_.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT_IDLE_CLOSE) {
    finish("idle close");
    return;
  }
  close_packet_.resize(NGTCP2_MAX_UDP_PAYLOAD_SIZE);
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info info{};
  const ngtcp2_ssize n =
      ngtcp2_conn_write_connection_close(conn_, &ps.path, &info, close_packet_.data(),
                                         close_packet_.size(), &last_error_, monotonicNanos());
  if (n <= 0) {
    finish("closed without CONNECTION_CLOSE");
    return;
  }
  close_packet_.resize(static_cast<size_t>(n));
  host_.sendPacket(close_packet_, peer_, local_, 0, 0);
  state_ = State::kClosing;
  timer_.start(std::chrono::nanoseconds(3 * ngtcp2_conn_get_pto(conn_)));
}

void Ngtcp2Session::startDraining() {
  if (state_ != State::kOpen) return;
  closeAllStreams(StreamError::kTransportLost);
  state_ = State::kDraining;
  timer_.start(std::chrono::nanoseconds(3 * ngtcp2_conn_get_pto(conn_)));
}

void Ngtcp2Session::closeAllStreams(StreamError why) {
  std::vector<QuicStream*> streams;
  for (auto& [id, stream] : streams_) streams.push_back(stream);
  for (QuicStream* stream : streams) stream->transportClosed(why);
}

void Ngtcp2Session::finish(const char* why) {
  if (state_ == State::kDone) return;
  closeAllStreams(StreamError::kTransportLost);
  state_ = State::kDone;
  timer_.stop();
  Log::debug("QUIC connection finished", {{"peer", peer_.toString()}, {"reason", why}});
  host_.sessionFinished(*this);
}

void Ngtcp2Session::appendJson(std::string& out) const {
  for (const auto& [id, splice] : splices_) splice->appendJsonTo(out);
}

}  // namespace mqttd
