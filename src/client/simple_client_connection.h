// SimpleClientConnection: a client of the simple framing (docs/simple-framing.md), the
// unencrypted reliable UDP transport mqttd-gw serves on its QUIC port; a ClientTransport. It
// runs the handshake (§7.1: HELLO, COOKIE, HELLO with cookie, ACCEPT or REFUSE), then drives a
// sans-IO SimpleConnection (packets, acks, loss recovery, flow control, the one stream) over
// its own UdpSocket on an EventLoop, with keepalive, idle timeout and stateless reset (§7.3,
// §7.4).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "client/client_transport.h"
#include "core/event_loop.h"
#include "net/udp_socket.h"
#include "quic/send_buffer.h"
#include "quic/simple/simple_connection.h"
#include "quic/simple/wire.h"

namespace mqttd::client {

class SimpleClientConnection final : public ClientTransport,
                                     private simple::SimpleConnection::Stream {
 public:
  struct Options {
    // §3.3 Idle Timeout we advertise; the smaller non-zero one of both sides applies. 0: none.
    std::chrono::milliseconds idle_timeout{30'000};
    std::chrono::milliseconds handshake_timeout{10'000};  // first HELLO to ACCEPT, then give up
    // PING after this much time without sending (§7.3); 0: half the effective idle timeout.
    std::chrono::milliseconds keep_alive{0};
    uint64_t stream_window = 256 * 1024;  // §3.3 Stream Window we advertise, bytes, 1024..2^32
    size_t max_datagram = 1200;           // §3.3 Max Datagram we advertise, bytes, 256..65527
    size_t cid_length = 8;                // our client CID, bytes, 0..20 (§7.1)
    UdpSocket::Options udp;               // GRO, buffer sizes
    bool debug_log = false;               // one line per packet sent or received on stderr
  };

  SimpleClientConnection(EventLoop& loop, Options options);
  ~SimpleClientConnection() override;
  SimpleClientConnection(const SimpleClientConnection&) = delete;
  SimpleClientConnection& operator=(const SimpleClientConnection&) = delete;

  [[nodiscard]] Result<void, std::string> connect(const SocketAddress& peer,
                                                  Callbacks callbacks) override;
  void write(std::span<const uint8_t> data) override;
  void shutdownWrite() override;
  void close() override;
  size_t pendingOutput() const override { return send_.unackedBytes(); }
  bool connected() const override { return state_ == State::kConnected; }
  std::string_view name() const override { return "simple"; }

  // Moves the connection to a new UDP socket (a new local port) at once and sends a PING from
  // it; the server follows the new address (§7.2). Needs an established connection.
  [[nodiscard]] Result<void, std::string> rebind();
  uint64_t rebinds() const { return rebinds_; }
  const SocketAddress& localAddress() const { return local_; }
  // The connection's counters (zeros before ACCEPT).
  simple::SimpleConnection::Stats stats() const;

 private:
  enum class State {
    kIdle,         // connect() not called yet
    kHandshaking,  // HELLO sent, no ACCEPT yet
    kConnected,    // ACCEPT received: the stream is open
    kClosed,       // on_closed delivered (a CLOSE we sent may still be repeated, §7.4)
  };

  // SimpleConnection::Stream: called inside onPacket()/writePacket(); events are recorded and
  // delivered by deliverEvents() once the connection returned.
  SendBuffer& sendBuffer() override { return send_; }
  bool finRequested() const override { return fin_wanted_; }
  void onStreamData(std::span<const uint8_t> data, bool fin) override;
  void onStreamAcked(uint64_t offset, uint64_t len) override;
  void onFinAcked() override;
  void onPeerClose(uint64_t error_code, std::string_view reason) override;

  void watchSocket();
  void onReadable();
  void onDatagram(std::span<const uint8_t> datagram);
  void onLongHeader(std::span<const uint8_t> datagram);
  void onAccept(const simple::LongPacket& accept);
  void onShortHeader(std::span<const uint8_t> datagram);
  bool isStatelessReset(std::span<const uint8_t> datagram) const;
  void sendHello();
  void onHelloTimer();
  void onTimer();
  // Writes and sends what the connection has to send; false when the transport ended.
  bool writePackets();
  // Sends one datagram from tx_; false if the socket is full (the datagram is kept for later).
  bool sendDatagram(size_t len);
  void updateTimer();
  void deliverEvents();
  uint64_t effectiveIdleNs() const;
  uint64_t keepAliveNs() const;
  // Sends CLOSE with `code` (when connected), then finishes with `close`.
  void closeWithError(simple::ErrorCode code, std::string_view reason, TransportClose close);
  void finish(TransportClose close);
  void debug(std::string_view what, std::span<const uint8_t> datagram) const;

  EventLoop& loop_;
  Options options_;
  Callbacks callbacks_;
  State state_ = State::kIdle;

  std::unique_ptr<UdpSocket> socket_;
  std::unique_ptr<FdWatch> read_watch_;
  std::unique_ptr<FdWatch> write_watch_;  // armed only while a send is blocked
  Timer timer_;                           // the connection's timers, idle timeout and keepalive
  Timer hello_timer_;                     // HELLO retransmission (250 ms, doubling; §7.1)
  Timer handshake_deadline_;
  Timer linger_;         // bounds close() waiting for acks
  Timer closing_;        // end of the period in which we repeat our CLOSE (3 x PTO, §7.4)
  Deferred write_soon_;  // one write for all the write() calls of a loop iteration
  SocketAddress peer_;
  SocketAddress local_;

  std::vector<uint8_t> initial_dcid_;          // 8..20 random bytes (§7.1)
  std::vector<uint8_t> client_cid_;            // options_.cid_length random bytes
  std::vector<uint8_t> cookie_;                // from the latest COOKIE; empty before
  simple::Parameters params_;                  // what we advertise
  std::chrono::milliseconds hello_wait_{250};  // next HELLO retransmission delay
  std::array<uint8_t, simple::kResetTokenLength> reset_token_{};  // from ACCEPT
  uint64_t peer_idle_timeout_ms_ = 0;  // the server's Idle Timeout, 0: none
  size_t server_cid_length_ = 0;       // bytes of the server CID (DCID of what we send)

  std::unique_ptr<simple::SimpleConnection> conn_;  // after ACCEPT
  SendBuffer send_;                                 // stream bytes until acknowledged
  bool fin_wanted_ = false;                         // shutdownWrite() called
  bool close_wanted_ = false;                       // close() waits for acks, then CLOSE NO_ERROR
  bool close_sent_ = false;        // CLOSE went out: repeat it for packets that still arrive
  size_t close_len_ = 0;           // bytes of our CLOSE packet in close_tx_
  uint64_t last_received_ns_ = 0;  // monotonic ns of the last datagram from the server
  uint64_t last_sent_ns_ = 0;      // monotonic ns of the last datagram we sent
  uint64_t last_ping_ns_ = 0;      // monotonic ns a keepalive PING was last queued
  uint64_t rebinds_ = 0;

  // Events recorded inside the connection's callbacks, delivered after it returns (so the
  // user may call write()/close() from its callbacks).
  std::vector<uint8_t> rx_;  // stream bytes received
  bool connected_event_ = false;
  bool fin_event_ = false;
  bool fin_delivered_ = false;
  std::optional<TransportClose> pending_close_;  // peer CLOSE

  size_t blocked_len_ = 0;         // bytes of a datagram in tx_ waiting for writability
  std::vector<uint8_t> tx_;        // one datagram, max_datagram bytes
  std::vector<uint8_t> close_tx_;  // our CLOSE packet, repeated while closing
};

}  // namespace mqttd::client
