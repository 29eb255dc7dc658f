// SimpleSession: one simple-framer connection on the server (docs/simple-framing.md). Its one
// stream is a QuicStream, so the Splice to the broker, the MqttTap, metrics and drain behave as
// for QUIC; the SimpleConnection core does packets, acks, retransmission and flow control, and
// this class does the I/O: datagrams in, packets out, timers, idle timeout, closing.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "net/socket_address.h"
#include "quic/quic_session.h"
#include "quic/quic_stream.h"
#include "quic/simple/simple_connection.h"
#include "quic/simple/wire.h"
#include "splice/splice.h"

namespace mqttd::simple {

class SimpleSession;

// Bytes of the engine's shared write buffer: one packet at a time (kMaxMaxDatagram at most).
inline constexpr size_t kSimpleTxBufferSize = 65536;

// What a SimpleSession needs from its engine.
class SimpleSessionHost {
 public:
  virtual void send(std::span<const uint8_t> packet, const SocketAddress& peer,
                    const SocketAddress& local) = 0;
  virtual uint8_t* txBuffer() = 0;  // kSimpleTxBufferSize bytes, shared by the engine's sessions
  // Routes `cid` to `session` (false: taken by another connection).
  virtual bool associate(std::span<const uint8_t> cid, SimpleSession& session) = 0;
  virtual SpliceContext spliceContext() = 0;
  virtual uint64_t nextConnectionId() = 0;
  virtual Metrics& metrics() = 0;
  // The session has ended: stop routing to it and destroy it soon (never inside its calls).
  virtual void sessionFinished(SimpleSession& session) = 0;

 protected:
  ~SimpleSessionHost() = default;
};

class SimpleSession final : public QuicSession,
                            private QuicStreamHost,
                            private SimpleConnection::Stream {
 public:
  struct Accept {
    const LongPacket& hello;           // the HELLO with a valid cookie
    const ReceivedDatagram& datagram;  // its datagram
    std::span<const uint8_t> server_cid;
    std::span<const uint8_t, kResetTokenLength> reset_token;
  };

  // Registers the server CID and the client's initial DCID, starts the splice and sends ACCEPT.
  // nullptr (and nothing registered) if a CID is taken.
  static std::unique_ptr<SimpleSession> create(EventLoop& loop, SimpleSessionHost& host,
                                               const QuicListenerConfig& config,
                                               const Accept& accept);
  ~SimpleSession() override;
  SimpleSession(const SimpleSession&) = delete;
  SimpleSession& operator=(const SimpleSession&) = delete;

  void onDatagram(const ReceivedDatagram& datagram) override;
  // Gateway drain: ask the splice to close; the connection closes when it has.
  void shutdown();
  bool finished() const { return state_ == State::kDone; }
  void appendJson(std::string& out) const;

 private:
  enum class State {
    kOpen,      // moving data
    kClosing,   // we sent CLOSE; answering with it for 3 PTO (§7.4)
    kDraining,  // the peer sent CLOSE; silent for 3 PTO
    kDone,      // removed from routing; destroyed soon
  };

  SimpleSession(EventLoop& loop, SimpleSessionHost& host, const QuicListenerConfig& config,
                const Accept& accept);

  // QuicStreamHost
  void streamConsumed(int64_t stream_id, size_t n) override;
  void streamWantsWrite() override;
  void streamAbort(int64_t stream_id) override;
  void streamDetached(int64_t stream_id) override;
  std::string peerAddress() const override { return peer_.toString(); }
  void streamKeepAlive(int64_t stream_id, uint16_t seconds) override;
  // SimpleConnection::Stream
  SendBuffer& sendBuffer() override;
  bool finRequested() const override;
  void onStreamData(std::span<const uint8_t> data, bool fin) override;
  void onStreamAcked(uint64_t offset, uint64_t len) override;
  void onFinAcked() override;
  void onPeerClose(uint64_t error_code, std::string_view reason) override;

  void startSplice();
  void sendAccept(const SocketAddress& to, const SocketAddress& local);
  void writePackets();
  void armTimer();
  uint64_t idleDeadlineNs() const;  // UINT64_MAX without an idle timeout
  void onTimer();
  void closeConnection(ErrorCode code, std::string_view reason);
  void startDraining();
  void finish(const char* why);
  void onSpliceDone(bool broker_lost);
  void applyStreamEvents();

  EventLoop& loop_;
  SimpleSessionHost& host_;
  std::vector<uint8_t> server_cid_;
  std::vector<uint8_t> client_cid_;
  std::vector<uint8_t> initial_dcid_;
  std::array<uint8_t, kResetTokenLength> reset_token_{};
  Parameters params_;  // what we sent in ACCEPT
  SocketAddress peer_;
  SocketAddress local_;
  SendBuffer no_stream_buffer_{1};  // sendBuffer() before the splice starts: always empty
  std::unique_ptr<SimpleConnection> conn_;
  QuicStream* stream_ = nullptr;    // borrowed: owned by the splice
  std::unique_ptr<Splice> splice_;  // owned
  Timer timer_;
  Deferred write_soon_;
  std::chrono::nanoseconds idle_timeout_{0};  // effective (§7.3), 0: none; may grow (keepalive)
  uint64_t last_rx_ns_ = 0;                   // monotonic time of the last packet accepted
  // Until the first short header: forget the connection at this time (handshake_timeout, §7.1).
  uint64_t handshake_deadline_ns_ = 0;
  uint64_t close_deadline_ns_ = 0;            // kClosing/kDraining: when to finish
  std::vector<uint8_t> close_packet_;         // our CLOSE, resent while closing
  State state_ = State::kOpen;
  bool splice_started_ = false;  // the first short header arrived and the splice began
  bool aborted_ = false;         // the splice aborted the stream
  // Reported by the core inside onPacket(), applied to the stream after it returns (the
  // Splice reacts to them and may call back into the stream and the core).
  uint64_t acked_offset_ = 0;  // first stream byte acknowledged but not yet freed
  uint64_t acked_len_ = 0;     // bytes acknowledged since
  bool fin_acked_ = false;     // our FIN was acknowledged
  bool fin_reported_ = false;  // ... and the stream was told
  bool peer_closed_ = false;   // the client sent CLOSE
  uint64_t peer_close_code_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mqttd::simple
