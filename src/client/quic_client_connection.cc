#include "client/quic_client_connection.h"

#include <event2/event.h>
#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "quic/pacing.h"
#include "core/clock.h"
#include "core/log.h"

namespace mqttd::client {
namespace {

constexpr size_t kMaxDatagramsPerRead = 64;  // bound per wake-up (style habit 8)
constexpr size_t kMaxStreamVecs = 16;        // SendBuffer blocks handed per writev_stream
constexpr auto kCloseLinger = std::chrono::seconds(2);  // close() waits this long for acks
constexpr size_t kScidLen = 16;              // our connection ID length, bytes (1..20)
constexpr size_t kInitialDcidLen = 18;       // RFC 9000 §7.2: at least 8 bytes

QuicClientConnection* self(void* user_data) { return static_cast<QuicClientConnection*>(user_data); }

// ---- ngtcp2 trampolines (style habit 2) ----

ngtcp2_conn* getConn(ngtcp2_crypto_conn_ref* ref) { return self(ref->user_data)->conn(); }

int handshakeCompleted(ngtcp2_conn*, void* user_data) {
  return self(user_data)->onHandshakeCompleted();
}

int recvStreamData(ngtcp2_conn*, uint32_t flags, int64_t stream_id, uint64_t /*offset*/,
                   const uint8_t* data, size_t len, void* user_data, void*) {
  return self(user_data)->onRecvStreamData(flags, stream_id, {data, len});
}

int ackedStreamDataOffset(ngtcp2_conn*, int64_t stream_id, uint64_t offset, uint64_t len,
                          void* user_data, void*) {
  return self(user_data)->onAckedStreamData(stream_id, offset, len);
}

int streamClose(ngtcp2_conn*, uint32_t flags, int64_t stream_id, uint64_t app_error_code,
                void* user_data, void*) {
  const bool has_code = (flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) != 0;
  return self(user_data)->onStreamClose(stream_id, has_code ? app_error_code : 0);
}

int streamReset(ngtcp2_conn*, int64_t stream_id, uint64_t /*final_size*/, uint64_t app_error_code,
                void* user_data, void*) {
  return self(user_data)->onStreamReset(stream_id, app_error_code);
}

int extendMaxLocalStreamsBidi(ngtcp2_conn*, uint64_t, void* user_data) {
  return self(user_data)->onExtendMaxLocalStreamsBidi();
}

int recvStatelessReset(ngtcp2_conn*, const ngtcp2_pkt_stateless_reset*, void* user_data) {
  self(user_data)->onStatelessReset();
  return 0;
}

void randomBytes(uint8_t* dest, size_t len, const ngtcp2_rand_ctx*) {
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

int getNewConnectionId(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen, void*) {
  if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0 ||
      gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0) {
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  cid->datalen = cidlen;
  return 0;
}

void logPrintf(void*, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  std::vfprintf(stderr, format, ap);
  va_end(ap);
  std::fputc('\n', stderr);
}

ngtcp2_addr toAddr(SocketAddress& a) {
  ngtcp2_addr out{};
  out.addr = a.get();
  out.addrlen = a.size();
  return out;
}

// "CRYPTO_ERROR 0x178 (TLS alert no_application_protocol)" etc. for a received close.
std::string describeTransportCode(uint64_t code) {
  if (code >= NGTCP2_CRYPTO_ERROR && code <= NGTCP2_CRYPTO_ERROR + 0xff) {
    const auto alert = static_cast<gnutls_alert_description_t>(code & 0xff);
    const char* name = gnutls_alert_get_name(alert);
    return "CRYPTO_ERROR " + hexCode(code) + " (TLS alert " +
           (name ? name : hexCode(code & 0xff)) + ")";
  }
  return "transport error " + hexCode(code);
}

}  // namespace

QuicClientConnection::QuicClientConnection(EventLoop& loop, Options options)
    : loop_(loop),
      options_(std::move(options)),
      timer_(loop, [this] { onTimer(); }),
      write_soon_(loop,
                  [this] {
                    if (connected_event_) {  // a 0-RTT stream opened in connect()
                      deliverEvents();
                      if (state_ == State::kClosed) return;
                    }
                    if (socket_ && socket_->hasPending()) {
                      onReadable();
                    } else if (writePackets()) {
                      updateTimer();
                    }
                  }),
      linger_(loop, [this] {
        ngtcp2_connection_close_error_set_application_error(&last_error_, 0, nullptr, 0);
        closeWithError({TransportCloseReason::kClosedByUs, "closed (unacknowledged data dropped)"});
      }) {
  ngtcp2_connection_close_error_default(&last_error_);
}

QuicClientConnection::~QuicClientConnection() {
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
}

Result<void, std::string> QuicClientConnection::connect(const SocketAddress& peer,
                                                        Callbacks callbacks) {
  if (state_ != State::kIdle) return fail(std::string("connect() called twice"));
  peer_ = peer;
  if (options_.tls_context) {
    tls_context_ = options_.tls_context;
  } else {
    auto ctx = TlsClientContext::create(options_.tls);
    if (!ctx) return fail(ctx.error());
    tls_context_ = std::move(ctx).value();
  }
  auto sock = UdpSocket::openFor(peer_, options_.udp);
  if (!sock) return fail(sock.error());
  socket_ = std::move(sock).value();
  local_ = socket_->localAddress();

  conn_ref_.get_conn = getConn;
  conn_ref_.user_data = this;
  static const std::vector<uint8_t> kNone;
  if (auto r = tls_.init(*tls_context_, options_.tls, &conn_ref_,
                         options_.resume ? options_.resume->tls_session : kNone);
      !r)
    return fail(r.error());
  if (auto r = createConnection(); !r) return fail(r.error());
  ngtcp2_conn_set_tls_native_handle(conn_, tls_.native());
  gnutls_handshake_set_hook_function(tls_.native(), GNUTLS_HANDSHAKE_NEW_SESSION_TICKET,
                                     GNUTLS_HOOK_POST, &QuicClientConnection::ticketHook);
  if (options_.resume && options_.early_data) openEarlyStream();

  callbacks_ = std::move(callbacks);
  watchSocket();
  state_ = State::kHandshaking;
  // The first flight goes out from the loop, so no callback runs inside connect().
  write_soon_.start(std::chrono::nanoseconds(0));
  Log::debug("quic: connecting", {{"peer", peer_.toString()}, {"local", local_.toString()}});
  return {};
}

Result<void, std::string> QuicClientConnection::createConnection() {
  ngtcp2_cid dcid{};
  ngtcp2_cid scid{};
  dcid.datalen = kInitialDcidLen;
  scid.datalen = kScidLen;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen) != 0 ||
      gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen) != 0) {
    return fail(std::string("gnutls_rnd failed"));
  }

  // Filled by field name (pitfall 1); the client needs client_initial, recv_retry and
  // version_negotiation on top of the mandatory ones.
  ngtcp2_callbacks cb{};
  cb.client_initial = ngtcp2_crypto_client_initial_cb;
  cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb.handshake_completed = handshakeCompleted;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.recv_stream_data = recvStreamData;
  cb.acked_stream_data_offset = ackedStreamDataOffset;
  cb.stream_close = streamClose;
  cb.recv_stateless_reset = recvStatelessReset;
  cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
  cb.extend_max_local_streams_bidi = extendMaxLocalStreamsBidi;
  cb.rand = randomBytes;
  cb.get_new_connection_id = getNewConnectionId;
  cb.update_key = ngtcp2_crypto_update_key_cb;
  cb.stream_reset = streamReset;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;

  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = monotonicNanos();
  settings.cc_algo = NGTCP2_CC_ALGO_CUBIC;
  settings.handshake_timeout =
      static_cast<ngtcp2_duration>(options_.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  if (options_.debug_log) settings.log_printf = logPrintf;

  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = options_.stream_window;
  params.initial_max_data = options_.connection_window;
  params.initial_max_streams_bidi = 0;  // the server opens no streams towards us
  params.initial_max_streams_uni = 0;
  params.max_idle_timeout =
      static_cast<ngtcp2_duration>(options_.idle_timeout.count()) * NGTCP2_MILLISECONDS;

  ngtcp2_path path{};
  path.local = toAddr(local_);
  path.remote = toAddr(peer_);
  // Version 1 only (notes: never advertise the v2 draft).
  if (int rv = ngtcp2_conn_client_new(&conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb,
                                      &settings, &params, nullptr, this);
      rv != 0) {
    conn_ = nullptr;
    return fail("ngtcp2_conn_client_new: " + std::string(ngtcp2_strerror(rv)));
  }
  auto keep_alive = options_.keep_alive.count() > 0 ? options_.keep_alive : options_.idle_timeout / 2;
  if (keep_alive.count() > 0) {
    ngtcp2_conn_set_keep_alive_timeout(
        conn_, static_cast<ngtcp2_duration>(keep_alive.count()) * NGTCP2_MILLISECONDS);
  }
  return {};
}

void QuicClientConnection::write(std::span<const uint8_t> data) {
  if (state_ == State::kClosed || state_ == State::kIdle || fin_wanted_ || close_wanted_) return;
  send_.append(data);
  if ((state_ == State::kConnected || early_stream_) && !write_soon_.pending()) {
    write_soon_.start(std::chrono::nanoseconds(0));  // batch the writes of this iteration
  }
}

void QuicClientConnection::shutdownWrite() {
  if (state_ == State::kClosed || fin_wanted_) return;
  fin_wanted_ = true;
  if (state_ == State::kConnected) write_soon_.start(std::chrono::nanoseconds(0));
}

void QuicClientConnection::close() {
  if (state_ == State::kClosed || state_ == State::kIdle) return;
  if (state_ == State::kConnected && send_.unackedBytes() > 0) {
    if (!close_wanted_) {
      close_wanted_ = true;  // deliverEvents() closes once everything is acknowledged
      linger_.start(kCloseLinger);
    }
    return;
  }
  ngtcp2_connection_close_error_set_application_error(&last_error_, 0, nullptr, 0);
  closeWithError({TransportCloseReason::kClosedByUs, "closed"});
}

bool QuicClientConnection::initiateKeyUpdate() {
  if (state_ != State::kConnected) return false;
  const int rv = ngtcp2_conn_initiate_key_update(conn_, monotonicNanos());
  if (rv != 0) {
    Log::debug("quic: key update refused", {{"error", ngtcp2_strerror(rv)}});
    return false;
  }
  write_soon_.start(std::chrono::nanoseconds(0));
  return true;
}

void QuicClientConnection::watchSocket() {
  read_watch_ = std::make_unique<FdWatch>(loop_, socket_->fd(), EV_READ,
                                          [this](short) { onReadable(); });
  write_watch_ = std::make_unique<FdWatch>(loop_, socket_->fd(), EV_WRITE, [this](short) {
    write_watch_->disable();
    if (writePackets()) updateTimer();
  });
  read_watch_->enable();
}

Result<void, std::string> QuicClientConnection::migrate() {
  if (state_ != State::kConnected) return fail(std::string("not connected"));
  auto sock = UdpSocket::openFor(peer_, options_.udp);
  if (!sock) return fail(sock.error());
  SocketAddress local = sock.value()->localAddress();
  const ngtcp2_path path{toAddr(local), toAddr(peer_), nullptr};
  if (int rv = ngtcp2_conn_initiate_immediate_migration(conn_, &path, monotonicNanos()); rv != 0) {
    return fail("cannot migrate: " + std::string(ngtcp2_strerror(rv)));
  }
  // ngtcp2 has no way back to the old path (no fallback in 0.12): drop the old socket now;
  // what the server had in flight to it is lost and recovered like any other loss.
  read_watch_.reset();
  write_watch_.reset();
  blocked_len_ = 0;
  socket_ = std::move(sock).value();
  local_ = local;
  watchSocket();
  ++migrations_;
  Log::debug("quic: migrated", {{"local", local_.toString()}, {"peer", peer_.toString()}});
  write_soon_.start(std::chrono::nanoseconds(0));  // PATH_CHALLENGE and pending data
  return {};
}

// ---- ngtcp2 callback targets: record events only; user callbacks run in deliverEvents() ----

int QuicClientConnection::onHandshakeCompleted() {
  Log::debug("quic: handshake completed",
             {{"alpn", tls_.selectedAlpn()}, {"resumed", tls_.resumed() ? "yes" : "no"}});
  if (early_stream_) {
    early_stream_ = false;
    early_data_accepted_ = tls_.earlyDataAccepted();
    if (!early_data_accepted_) {
      // RFC 9001 §4.6.2: the server dropped our 0-RTT packets. ngtcp2 forgets the stream;
      // everything we wrote goes again on a new one (the user saw on_connected already).
      if (int rv = ngtcp2_conn_early_data_rejected(conn_); rv != 0) return rv;
      stream_id_ = -1;
      fin_sent_ = false;
      send_.rewindToAcked();
      Log::debug("quic: 0-RTT rejected; resending on a new stream");
    }
    state_ = State::kConnected;
  }
  openStream();
  return 0;
}

void QuicClientConnection::openEarlyStream() {
  const ResumptionTicket& t = *options_.resume;
  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  t.applyTo(params);
  ngtcp2_conn_set_early_remote_transport_params(conn_, &params);
  int64_t id = -1;
  if (int rv = ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr); rv != 0) {
    Log::debug("quic: no 0-RTT stream", {{"error", ngtcp2_strerror(rv)}});
    return;  // the stream opens after the handshake, as without a ticket
  }
  stream_id_ = id;
  early_stream_ = true;
  connected_event_ = true;  // the user may write now: it goes out as 0-RTT data
}

int QuicClientConnection::ticketHook(gnutls_session_t session, unsigned, unsigned, unsigned,
                                     const gnutls_datum_t*) {
  auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
  static_cast<QuicClientConnection*>(ref->user_data)->onSessionTicket();
  return 0;
}

void QuicClientConnection::onSessionTicket() {
  ResumptionTicket t;
  t.tls_session = tls_.sessionData();
  const ngtcp2_transport_params* p = ngtcp2_conn_get_remote_transport_params(conn_);
  if (t.tls_session.empty() || p == nullptr) return;
  t.rememberFrom(*p);
  ticket_ = std::move(t);
}

int QuicClientConnection::onExtendMaxLocalStreamsBidi() {
  if (ngtcp2_conn_get_handshake_completed(conn_)) openStream();
  return 0;
}

void QuicClientConnection::openStream() {
  if (stream_id_ >= 0) return;
  int64_t id = -1;
  if (int rv = ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr); rv != 0) {
    // NGTCP2_ERR_STREAM_ID_BLOCKED: no credit yet; extend_max_local_streams_bidi retries.
    Log::debug("quic: cannot open stream yet", {{"error", ngtcp2_strerror(rv)}});
    return;
  }
  stream_id_ = id;
  if (state_ == State::kHandshaking) {
    state_ = State::kConnected;
    connected_event_ = true;
  }
}

int QuicClientConnection::onRecvStreamData(uint32_t flags, int64_t stream_id,
                                           std::span<const uint8_t> data) {
  if (stream_id != stream_id_) return 0;  // not ours (cannot happen: max_streams 0)
  rx_.insert(rx_.end(), data.begin(), data.end());
  if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) fin_event_ = true;
  return 0;
}

int QuicClientConnection::onAckedStreamData(int64_t stream_id, uint64_t offset, uint64_t len) {
  if (stream_id != stream_id_) return 0;
  if (!send_.ack(offset, len)) {
    Log::warn("quic: out-of-order stream ack ignored",
              {{"offset", std::to_string(offset)}, {"expected", std::to_string(send_.ackedOffset())}});
  }
  return 0;
}

int QuicClientConnection::onStreamClose(int64_t stream_id, uint64_t app_error_code) {
  if (stream_id != stream_id_ || fin_event_ || pending_close_) return 0;
  pending_close_ = TransportClose{TransportCloseReason::kPeerError,
                                  "stream closed by the server (application error " +
                                      hexCode(app_error_code) + ")",
                                  app_error_code, NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION,
                                  true};
  return 0;
}

int QuicClientConnection::onStreamReset(int64_t stream_id, uint64_t app_error_code) {
  if (stream_id != stream_id_ || pending_close_) return 0;
  pending_close_ = TransportClose{TransportCloseReason::kPeerError,
                                  "stream reset by the server (application error " +
                                      hexCode(app_error_code) + ")",
                                  app_error_code, NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION,
                                  true};
  return 0;
}

void QuicClientConnection::onStatelessReset() {
  pending_close_ = TransportClose{TransportCloseReason::kPeerError,
                                  "stateless reset from the server (it lost the connection)", 0, 0,
                                  true};
}

// ---- I/O ----

void QuicClientConnection::onReadable() {
  if (state_ == State::kClosed) return;
  bool failed = false;
  (void)socket_->receive(kMaxDatagramsPerRead, [&](const ReceivedDatagram& d) {
    if (failed || state_ == State::kClosed) return;
    SocketAddress from = d.peer;
    ngtcp2_path path{};
    path.local = toAddr(local_);  // the current socket's address, as ngtcp2 knows it
    path.remote = toAddr(from);
    ngtcp2_pkt_info pi{};
    pi.ecn = d.ecn;
    const int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, d.data.data(), d.data.size(),
                                        monotonicNanos());
    if (rv != 0) {
      failed = true;
      deliverEvents();  // data that arrived before the close (e.g. a final CONNACK)
      if (state_ != State::kClosed) handleError(rv);
    }
  });
  if (state_ == State::kClosed) return;
  deliverEvents();
  if (state_ == State::kClosed) return;
  if (socket_->hasPending()) write_soon_.start(std::chrono::nanoseconds(0));
  if (writePackets()) updateTimer();
}

void QuicClientConnection::deliverEvents() {
  if (connected_event_) {
    connected_event_ = false;
    Log::debug("quic: stream open", {{"stream", std::to_string(stream_id_)}});
    if (callbacks_.on_connected) callbacks_.on_connected();
    if (state_ == State::kClosed) return;
  }
  if (!rx_.empty()) {
    std::vector<uint8_t> data;
    data.swap(rx_);
    if (callbacks_.on_data) callbacks_.on_data(data);
    if (state_ == State::kClosed) return;
    // The consumer took the bytes: return the credit (RFC 9000 §4.2).
    (void)ngtcp2_conn_extend_max_stream_offset(conn_, stream_id_, data.size());
    ngtcp2_conn_extend_max_offset(conn_, data.size());
  }
  if (fin_event_ && !fin_delivered_) {
    fin_delivered_ = true;
    if (callbacks_.on_fin) callbacks_.on_fin();
    if (state_ == State::kClosed) return;
  }
  if (pending_close_) {
    TransportClose c = std::move(*pending_close_);
    pending_close_.reset();
    ngtcp2_connection_close_error_set_application_error(&last_error_, 0, nullptr, 0);
    closeWithError(std::move(c));
    return;
  }
  if (close_wanted_ && send_.unackedBytes() == 0) {
    ngtcp2_connection_close_error_set_application_error(&last_error_, 0, nullptr, 0);
    closeWithError({TransportCloseReason::kClosedByUs, "closed"});
  }
}

bool QuicClientConnection::writePackets() {
  if (state_ == State::kClosed) return false;
  if (state_ == State::kIdle) return true;
  if (blocked_len_ > 0) {
    if (!flush(blocked_len_, blocked_segment_)) return false;
    if (blocked_len_ > 0) return true;  // still blocked; write_watch_ calls back
  }
  const ngtcp2_tstamp ts = monotonicNanos();
  const size_t max_udp = ngtcp2_conn_get_max_tx_udp_payload_size(conn_);
  const size_t quantum = ngtcp2_conn_get_send_quantum(conn_);
  const size_t max_pkts = std::max<size_t>(1, std::min(quantum / max_udp, tx_.size() / max_udp));

  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  size_t len = 0;        // bytes of the burst in tx_
  size_t segment = 0;    // size of each packet in the burst but the last
  size_t pkts = 0;       // packets written this call
  bool burst_end = false;    // the last packet was short: GSO cannot append more
  bool stream_stuck = false;  // flow control / shut: write no stream data this call

  for (;;) {
    std::array<iovec, kMaxStreamVecs> iov{};
    size_t nvec = 0;
    size_t offered = 0;
    int64_t sid = -1;
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    if (stream_id_ >= 0 && !stream_stuck && !fin_sent_) {
      nvec = send_.unsent(iov);
      for (size_t i = 0; i < nvec; ++i) offered += iov[i].iov_len;
      if (fin_wanted_ && offered == send_.unsentBytes()) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
      if (nvec > 0 || (flags & NGTCP2_WRITE_STREAM_FLAG_FIN)) sid = stream_id_;
    }
    ngtcp2_ssize ndatalen = -1;
    ngtcp2_pkt_info pi{};
    const ngtcp2_ssize nwrite = ngtcp2_conn_writev_stream(
        conn_, &ps.path, &pi, tx_.data() + len, max_udp, &ndatalen, flags, sid,
        reinterpret_cast<const ngtcp2_vec*>(iov.data()), nvec, ts);
    if (ndatalen >= 0 && sid >= 0) {
      send_.markSent(static_cast<size_t>(ndatalen));
      if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && static_cast<size_t>(ndatalen) == offered) {
        fin_sent_ = true;
      }
    }
    if (nwrite < 0) {
      if (nwrite == NGTCP2_ERR_WRITE_MORE) continue;  // room left in the packet: coalesce
      if (nwrite == NGTCP2_ERR_STREAM_DATA_BLOCKED || nwrite == NGTCP2_ERR_STREAM_SHUT_WR ||
          nwrite == NGTCP2_ERR_STREAM_NOT_FOUND) {
        stream_stuck = true;
        continue;
      }
      if (len > 0) (void)flush(len, segment);
      handleError(static_cast<int>(nwrite));
      return false;
    }
    if (nwrite == 0) {  // nothing more (or congestion limited)
      if (len > 0 && !flush(len, segment)) return false;
      updatePacing(conn_, ts);
      return true;
    }
    const auto n = static_cast<size_t>(nwrite);
    if (len == 0) {
      segment = n;
      tx_pi_ = pi;
    } else if (burst_end || n > segment || pi.ecn != tx_pi_.ecn) {
      // Cannot join the burst: send the burst, then start a new one with this packet.
      if (!flush(len, segment)) return false;
      if (blocked_len_ > 0) {  // the socket is full; this packet is lost, recovery resends it
        updatePacing(conn_, ts);
        return true;
      }
      std::memmove(tx_.data(), tx_.data() + len, n);
      len = 0;
      segment = n;
      tx_pi_ = pi;
      burst_end = false;
    }
    len += n;
    if (n < segment) burst_end = true;
    ++pkts;
    if (pkts >= max_pkts || len + max_udp > tx_.size() || burst_end) {
      if (!flush(len, segment)) return false;
      len = 0;
      burst_end = false;
      if (blocked_len_ > 0 || pkts >= max_pkts) {
        // One send quantum per wake-up. Write again on the next loop turn: ngtcp2 paces
        // (RFC 9002 §7.7) by writing nothing until its expiry; relying on the timer alone
        // stalls the handshake flight, which has no pacing deadline, for an ack delay.
        updatePacing(conn_, ts);
        if (blocked_len_ == 0) {
          updateTimer();
          write_soon_.start(std::chrono::nanoseconds(0));
        }
        return true;
      }
    }
  }
}

bool QuicClientConnection::flush(size_t len, size_t segment) {
  const size_t seg = len > segment ? segment : 0;
  switch (socket_->send({tx_.data(), len}, peer_, nullptr, tx_pi_.ecn, seg)) {
    case SendResult::kSent:
      blocked_len_ = 0;
      return true;
    case SendResult::kBlocked:
      blocked_len_ = len;
      blocked_segment_ = segment;
      write_watch_->enable();
      return true;
    case SendResult::kError:
      // Dropped; QUIC loss recovery resends. An unreachable server ends in the handshake
      // or idle timeout.
      blocked_len_ = 0;
      return true;
  }
  return true;
}

void QuicClientConnection::updateTimer() {
  if (state_ == State::kClosed) return;
  timer_.startAt(ngtcp2_conn_get_expiry(conn_));
}

void QuicClientConnection::onTimer() {
  if (state_ == State::kClosed) return;
  if (int rv = ngtcp2_conn_handle_expiry(conn_, monotonicNanos()); rv != 0) {
    handleError(rv);
    return;
  }
  if (writePackets()) updateTimer();
}

TransportClose QuicClientConnection::peerCloseInfo() const {
  ngtcp2_connection_close_error ce;
  ngtcp2_connection_close_error_default(&ce);
  ngtcp2_conn_get_connection_close_error(conn_, &ce);
  TransportClose c;
  c.remote = true;
  c.error_code = ce.error_code;
  c.error_type = static_cast<uint8_t>(ce.type);
  const bool app = ce.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION;
  std::string what = app ? "application error " + hexCode(ce.error_code)
                         : describeTransportCode(ce.error_code);
  if (ce.reasonlen > 0) {
    what += ": ";
    what.append(reinterpret_cast<const char*>(ce.reason), ce.reasonlen);
  }
  if (state_ == State::kHandshaking) {
    c.reason = TransportCloseReason::kHandshakeFailed;
    c.text = "handshake failed: the server closed the connection with " + what;
  } else if (ce.error_code == 0) {
    c.reason = TransportCloseReason::kClosedByPeer;
    c.text = "connection closed by the server";
  } else {
    c.reason = TransportCloseReason::kPeerError;
    c.text = "the server closed the connection with " + what;
  }
  return c;
}

void QuicClientConnection::handleError(int rv) {
  switch (rv) {
    case NGTCP2_ERR_DRAINING:  // the server sent CONNECTION_CLOSE (or a stateless reset)
      finish(pending_close_ ? *pending_close_ : peerCloseInfo());
      return;
    case NGTCP2_ERR_CLOSING:  // our own CONNECTION_CLOSE was sent already
      finish({TransportCloseReason::kClosedByUs, "closed"});
      return;
    case NGTCP2_ERR_IDLE_CLOSE:  // RFC 9000 §10.1: close silently
      finish({state_ == State::kHandshaking ? TransportCloseReason::kHandshakeTimeout
                                            : TransportCloseReason::kIdleTimeout,
              state_ == State::kHandshaking
                  ? "no answer from " + peer_.toString() + " (is a QUIC server listening?)"
                  : "idle timeout: nothing heard from the server"});
      return;
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
      finish({TransportCloseReason::kHandshakeTimeout,
              "handshake timeout: no QUIC answer from " + peer_.toString()});
      return;
    case NGTCP2_ERR_RECV_VERSION_NEGOTIATION:
      finish({TransportCloseReason::kHandshakeFailed,
              "handshake failed: the server does not speak QUIC version 1"});
      return;
    case NGTCP2_ERR_DROP_CONN:
      finish({TransportCloseReason::kProtocolError, "connection dropped: " +
                                                        std::string(ngtcp2_strerror(rv))});
      return;
    case NGTCP2_ERR_CRYPTO: {
      const uint8_t alert = ngtcp2_conn_get_tls_alert(conn_);
      ngtcp2_connection_close_error_set_transport_error_tls_alert(&last_error_, alert, nullptr, 0);
      if (auto why = tls_.verifyFailure()) {
        closeWithError({TransportCloseReason::kTlsVerifyFailed, *why});
        return;
      }
      const char* name = gnutls_alert_get_name(static_cast<gnutls_alert_description_t>(alert));
      closeWithError({TransportCloseReason::kHandshakeFailed,
                      std::string("TLS handshake failed (alert ") + (name ? name : hexCode(alert)) +
                          ")"});
      return;
    }
    default:
      ngtcp2_connection_close_error_set_transport_error_liberr(&last_error_, rv, nullptr, 0);
      closeWithError({TransportCloseReason::kProtocolError,
                      "QUIC error: " + std::string(ngtcp2_strerror(rv))});
      return;
  }
}

void QuicClientConnection::closeWithError(TransportClose close) {
  if (state_ == State::kClosed) return;
  if (conn_ != nullptr && !ngtcp2_conn_is_in_closing_period(conn_) &&
      !ngtcp2_conn_is_in_draining_period(conn_)) {
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    const ngtcp2_ssize n = ngtcp2_conn_write_connection_close(
        conn_, &ps.path, &pi, tx_.data(), tx_.size(), &last_error_, monotonicNanos());
    if (n > 0) {
      (void)socket_->send({tx_.data(), static_cast<size_t>(n)}, peer_, nullptr, pi.ecn, 0);
    }
  }
  if (close.error_code == 0 && !close.remote) {
    close.error_code = last_error_.error_code;
    close.error_type = static_cast<uint8_t>(last_error_.type);
  }
  finish(std::move(close));
}

void QuicClientConnection::finish(TransportClose close) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  timer_.stop();
  write_soon_.stop();
  linger_.stop();
  if (read_watch_) read_watch_->disable();
  if (write_watch_) write_watch_->disable();
  Log::debug("quic: closed", {{"reason", std::string(toString(close.reason))}, {"text", close.text}});
  if (callbacks_.on_closed) callbacks_.on_closed(close);
}

}  // namespace mqttd::client
