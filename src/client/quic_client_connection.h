// QuicClientConnection: an ngtcp2 (0.12) QUIC v1 client connection with a GnuTLS session and
// one bidirectional stream, over a UdpSocket on an EventLoop; a ClientTransport.
#pragma once

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "client/client_transport.h"
#include "quic/send_buffer.h"
#include "client/tls_client_context.h"
#include "client/resumption_ticket.h"
#include "client/tls_client_session.h"
#include "core/event_loop.h"
#include "net/udp_socket.h"

namespace mqttd::client {

class QuicClientConnection final : public ClientTransport {
 public:
  struct Options {
    TlsClientOptions tls;
    // Credentials (trust store) to share between connections; nullptr: load them for this one.
    // Loading the system store costs ~25 ms, which many connections should pay once.
    std::shared_ptr<const TlsClientContext> tls_context;
    // RFC 9000 §10.1 max_idle_timeout we advertise; the smaller of both sides applies.
    std::chrono::milliseconds idle_timeout{30'000};
    std::chrono::milliseconds handshake_timeout{10'000};  // whole handshake, then give up
    // PING after this much quiet so a quiet subscriber is not idle-closed (RFC 9000 §10.1.2);
    // 0: half the idle timeout.
    std::chrono::milliseconds keep_alive{0};
    uint64_t stream_window = 256 * 1024;      // initial_max_stream_data_bidi_local, bytes
    uint64_t connection_window = 1024 * 1024;  // initial_max_data, bytes
    UdpSocket::Options udp;                    // GSO/GRO, buffer sizes
    bool debug_log = false;                    // ngtcp2's own log lines on stderr
    // Resume the TLS session of an earlier connection; nullptr: a full handshake.
    std::shared_ptr<const ResumptionTicket> resume;
    bool early_data = true;  // with `resume`: open the stream and send in 0-RTT
  };

  QuicClientConnection(EventLoop& loop, Options options);
  ~QuicClientConnection() override;
  QuicClientConnection(const QuicClientConnection&) = delete;
  QuicClientConnection& operator=(const QuicClientConnection&) = delete;

  [[nodiscard]] Result<void, std::string> connect(const SocketAddress& peer,
                                                  Callbacks callbacks) override;
  void write(std::span<const uint8_t> data) override;
  void shutdownWrite() override;
  void close() override;
  size_t pendingOutput() const override { return send_.unackedBytes(); }
  bool connected() const override { return state_ == State::kConnected; }
  std::string_view name() const override { return "quic"; }

  // Starts a 1-RTT key update (RFC 9001 §6); false when ngtcp2 refuses (too early / in progress).
  bool initiateKeyUpdate();
  // Active connection migration (RFC 9000 §9): moves the connection to a new UDP socket (a
  // new local port) and a fresh connection ID from the server, at once; the new path is
  // validated meanwhile. Needs an established connection and a spare connection ID.
  [[nodiscard]] Result<void, std::string> migrate();
  // Number of completed migrate() calls.
  uint64_t migrations() const { return migrations_; }
  // After the handshake: whether it resumed a session, and whether our 0-RTT data was accepted
  // (false when none was sent).
  bool resumed() const { return tls_.resumed(); }
  bool earlyDataAccepted() const { return early_data_accepted_; }
  // The latest ticket the server sent (with its transport parameters), for the next connection.
  const std::optional<ResumptionTicket>& ticket() const { return ticket_; }
  std::string negotiatedAlpn() const { return tls_.selectedAlpn(); }
  const SocketAddress& localAddress() const { return local_; }

  // ngtcp2 callback targets (called from the trampolines in the .cc only).
  ngtcp2_conn* conn() const { return conn_; }
  int onHandshakeCompleted();
  int onRecvStreamData(uint32_t flags, int64_t stream_id, std::span<const uint8_t> data);
  int onAckedStreamData(int64_t stream_id, uint64_t offset, uint64_t len);
  int onStreamClose(int64_t stream_id, uint64_t app_error_code);
  int onStreamReset(int64_t stream_id, uint64_t app_error_code);
  int onExtendMaxLocalStreamsBidi();
  void onStatelessReset();

 private:
  enum class State {
    kIdle,         // connect() not called yet
    kHandshaking,  // Initial sent, no 1-RTT yet
    kConnected,    // handshake done, stream open
    kClosed,       // on_closed delivered; the ngtcp2 connection is only kept for deletion
  };

  [[nodiscard]] Result<void, std::string> createConnection();
  void openStream();
  void watchSocket();  // read_watch_ / write_watch_ on socket_
  void openEarlyStream();
  void onSessionTicket();
  static int ticketHook(gnutls_session_t session, unsigned htype, unsigned when,
                        unsigned incoming, const gnutls_datum_t* msg);
  void onReadable();
  void onTimer();
  // Writes whatever ngtcp2 has to send; false when the connection ended.
  bool writePackets();
  // Sends `len` bytes of packets of `segment` bytes each from tx_; false on a hard error.
  bool flush(size_t len, size_t segment);
  void updateTimer();
  void deliverEvents();
  // Handles a fatal ngtcp2 error from read_pkt / writev_stream / handle_expiry.
  void handleError(int rv);
  // Sends CONNECTION_CLOSE carrying last_error_ (unless closing/draining) and finishes.
  void closeWithError(TransportClose close);
  void finish(TransportClose close);
  TransportClose peerCloseInfo() const;

  EventLoop& loop_;
  Options options_;
  Callbacks callbacks_;
  State state_ = State::kIdle;

  std::unique_ptr<UdpSocket> socket_;
  std::unique_ptr<FdWatch> read_watch_;
  std::unique_ptr<FdWatch> write_watch_;  // armed only while a send is blocked
  Timer timer_;                           // ngtcp2 expiry (loss, ack delay, pacing, idle)
  Timer write_soon_;                      // next burst after send_quantum was used up
  Timer linger_;                          // bounds close() waiting for acks
  SocketAddress peer_;
  SocketAddress local_;  // the path's local address, as ngtcp2 knows it

  std::shared_ptr<const TlsClientContext> tls_context_;
  TlsClientSession tls_;
  ngtcp2_crypto_conn_ref conn_ref_{};
  ngtcp2_conn* conn_ = nullptr;  // owned; deleted in the destructor
  ngtcp2_connection_close_error last_error_{};

  int64_t stream_id_ = -1;   // our bidirectional stream, -1 until opened
  SendBuffer send_;          // stream bytes until acknowledged
  bool fin_wanted_ = false;  // shutdownWrite() called
  bool fin_sent_ = false;    // FIN handed to ngtcp2
  bool close_wanted_ = false;  // close() waits for acks, then CONNECTION_CLOSE
  uint64_t migrations_ = 0;
  bool early_stream_ = false;        // the stream was opened for 0-RTT, handshake not done yet
  bool early_data_accepted_ = false;
  std::optional<ResumptionTicket> ticket_;

  // Events collected inside ngtcp2 callbacks, delivered after ngtcp2 returns (so the user
  // may call write()/close() from its callbacks).
  std::vector<uint8_t> rx_;     // stream bytes received
  bool connected_event_ = false;
  bool fin_event_ = false;
  bool fin_delivered_ = false;
  std::optional<TransportClose> pending_close_;  // stream reset, stateless reset

  // Blocked send: the burst waiting for the socket to become writable.
  size_t blocked_len_ = 0;
  size_t blocked_segment_ = 0;
  std::array<uint8_t, 64 * 1024> tx_{};  // one GSO burst of packets
  ngtcp2_pkt_info tx_pi_{};              // ECN of the burst
};

}  // namespace mqttd::client
