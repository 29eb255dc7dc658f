// Ngtcp2Session: one QUIC v1 connection (ngtcp2 0.12 + GnuTLS). Every client-initiated
// bidirectional stream becomes a Splice to the broker; the session owns the splices.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "mqttd/config.h"
#include "quic/ngtcp2/session_host.h"
#include "quic/ngtcp2/tls_server_context.h"
#include "quic/quic_session.h"
#include "quic/quic_stream.h"

namespace mqttd {

// EMQX-compatible application close codes (docs/quic.md).
enum class QuicAppError : uint64_t {
  kNoError = 0,         // normal close
  kUpstreamLost = 1,    // the broker connection was lost or refused
  kOverloaded = 2,      // the gateway refuses more work
};

class Ngtcp2Session final : public QuicSession, private QuicStreamHost {
 public:
  struct Accept {
    const ngtcp2_pkt_hd& header;       // the client's first Initial, decoded by ngtcp2_accept
    const ngtcp2_cid* original_dcid;   // after Retry: the DCID of the very first Initial
    const ReceivedDatagram& datagram;  // that Initial's datagram
  };

  static Result<std::unique_ptr<Ngtcp2Session>, std::string> create(
      EventLoop& loop, Ngtcp2SessionHost& host, const QuicListenerConfig& config,
      const TlsServerContext& tls, const Accept& accept);
  ~Ngtcp2Session() override;
  Ngtcp2Session(const Ngtcp2Session&) = delete;
  Ngtcp2Session& operator=(const Ngtcp2Session&) = delete;

  void onDatagram(const ReceivedDatagram& datagram) override;
  // Gateway drain: ask every splice to close; the connection closes when none is left.
  void shutdown();
  bool handshakeDone() const { return handshake_done_; }
  bool finished() const { return state_ == State::kDone; }
  void appendJson(std::string& out) const;

  // ngtcp2 callbacks (called by the trampolines in the .cc).
  int onRecvStreamData(uint32_t flags, int64_t stream_id, const uint8_t* data, size_t len);
  int onAckedStreamData(int64_t stream_id, uint64_t offset, uint64_t len);
  int onStreamOpen(int64_t stream_id);
  int onStreamClose(int64_t stream_id, uint64_t app_error_code);
  int onStreamReset(int64_t stream_id);
  int onExtendMaxStreamData(int64_t stream_id);
  int onNewConnectionId(ngtcp2_cid* cid, uint8_t* token, size_t cidlen);
  int onRemoveConnectionId(const ngtcp2_cid* cid);
  int onHandshakeCompleted();
  int onRecvCryptoData(ngtcp2_crypto_level level, uint64_t offset, const uint8_t* data,
                       size_t len);
  ngtcp2_conn* conn() const { return conn_; }

 private:
  enum class State {
    kOpen,      // handshaking or established
    kClosing,   // we sent CONNECTION_CLOSE; answering with it for 3 PTO (RFC 9000 §10.2.1)
    kDraining,  // the peer closed; silent for 3 PTO (RFC 9000 §10.2.2)
    kDone,      // removed from routing; destroyed soon
  };

  Ngtcp2Session(EventLoop& loop, Ngtcp2SessionHost& host, const QuicListenerConfig& config);
  Result<void, std::string> init(const TlsServerContext& tls, const Accept& accept);

  // QuicStreamHost
  void streamConsumed(int64_t stream_id, size_t n) override;
  void streamWantsWrite() override;
  void streamAbort(int64_t stream_id) override;
  void streamDetached(int64_t stream_id) override;
  std::string peerAddress() const override { return peer_.toString(); }
  void streamKeepAlive(int64_t stream_id, uint16_t seconds) override;

  void writePackets();
  void flush(const uint8_t* data, size_t len, size_t gso, const ngtcp2_path& path, uint8_t ecn);
  QuicStream* nextStreamToWrite();
  void armTimer();
  void onTimer();
  void closeConnection(QuicAppError code);
  void closeWithError();  // last_error_ is set
  void startDraining();
  void finish(const char* why);
  void closeAllStreams(StreamError why);
  void onSpliceDone(int64_t stream_id, bool broker_lost);
  void releaseTls();
  void notifyReadableStreams();

  EventLoop& loop_;
  Ngtcp2SessionHost& host_;
  const QuicListenerConfig& config_;
  ngtcp2_conn* conn_ = nullptr;
  // The certificate tls_ was configured with. GnuTLS keeps only a pointer to its credentials,
  // so this is released after gnutls_deinit(tls_) (releaseTls(), or the destructor's body, which
  // runs before any member is destroyed); a reload meanwhile does not free them.
  std::shared_ptr<const ServerCertificate> tls_certificate_;
  gnutls_session_t tls_ = nullptr;  // freed once the handshake is done (releaseTls())
  bool release_tls_ = false;         // the handshake completed: free tls_ after this read
  bool zero_rtt_ = false;            // listeners.quic.zero_rtt: tickets, early data
  ngtcp2_crypto_conn_ref conn_ref_{};  // what GnuTLS's session pointer leads to
  ngtcp2_connection_close_error last_error_{};
  ngtcp2_cid scid_{};
  SocketAddress peer_;   // current remote address
  SocketAddress local_;  // the address the client sent to
  Timer timer_;
  Deferred write_soon_;  // writePackets() at the end of this loop iteration
  // Idle timeout enforced here (ngtcp2 is given the largest one we may need, see init()):
  // listeners.quic.idle_timeout, raised to 1.5x the MQTT keepalive once a CONNECT asks for it.
  std::chrono::nanoseconds idle_timeout_{0};
  uint64_t last_rx_ns_ = 0;  // monotonic time of the last packet ngtcp2 accepted
  State state_ = State::kOpen;
  bool handshake_done_ = false;
  bool in_read_ = false;                  // inside ngtcp2_conn_read_pkt
  bool had_stream_ = false;               // close the connection when the last splice ends
  bool last_splice_broker_lost_ = false;  // choose the close code
  std::vector<uint8_t> close_packet_;     // our CONNECTION_CLOSE, resent while closing
  uint64_t closing_rx_ = 0;               // datagrams received while closing
  int64_t last_written_stream_ = -1;      // round-robin position
  std::map<int64_t, QuicStream*> streams_;              // borrowed: owned by the splices
  std::map<int64_t, std::unique_ptr<Splice>> splices_;  // owned
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for deferred calls
};

}  // namespace mqttd
