// SimpleConnection: one simple-framing connection after its handshake, without sockets or
// timers of its own (sans-IO): packet numbers, ACK ranges, loss detection with fast retransmit
// and exponential PTO backoff, NewReno congestion control, flow control, and the one in-order
// stream (docs/simple-framing.md §4, §5). The server's SimpleSession and the client's
// SimpleClientConnection own one each and do the I/O: feed onPacket(), send what
// writePacket() fills, and run onTimer() at nextTimeout().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "quic/send_buffer.h"
#include "quic/simple/wire.h"

namespace mqttd::simple {

class SimpleConnection {
 public:
  // The application side of the stream: the session's QuicStream, or the client.
  class Stream {
   public:
    // Bytes to send: everything from sendBuffer().sentOffset() on is new; bytes between
    // ackedOffset() and sentOffset() may be read again for retransmission. The connection
    // calls markSent(); only the owner calls ack() (from onAcked()).
    virtual SendBuffer& sendBuffer() = 0;
    // The application finished writing: FIN follows sendBuffer().endOffset().
    virtual bool finRequested() const = 0;
    // Stream bytes in order, each once; `fin` with (or after) the last byte. The application
    // reports what it took off its hands with SimpleConnection::consumed().
    virtual void onStreamData(std::span<const uint8_t> data, bool fin) = 0;
    // The peer has acknowledged every stream byte below offset + len; calls are contiguous
    // (offset = the previous offset + len, starting at 0). The owner frees them with
    // sendBuffer().ack(offset, len).
    virtual void onStreamAcked(uint64_t offset, uint64_t len) = 0;
    // The FIN we sent has been acknowledged.
    virtual void onFinAcked() = 0;
    // The peer sent CLOSE (§4.4).
    virtual void onPeerClose(uint64_t error_code, std::string_view reason) = 0;

   protected:
    ~Stream() = default;
  };

  struct Config {
    std::vector<uint8_t> peer_cid;  // DCID of every packet we send
    size_t local_cid_length = 0;    // DCID length of the packets we receive
    size_t max_datagram = 1200;     // min of both sides' Max Datagram, bytes
    uint64_t local_window = 65536;  // our Stream Window: what we buffer, bytes
    uint64_t peer_window = 65536;   // the peer's Stream Window: initial send limit, bytes
  };

  // What onPacket() learnt about a packet that decoded.
  struct Received {
    uint64_t packet_number = 0;
    bool duplicate = false;  // already processed: frames ignored (but acknowledged again)
    bool newest = false;     // higher than any packet number before (§7.2: follow its address)
  };

  // Why onPacket() refuses a packet: the owner closes the connection with `code`.
  struct Violation {
    ErrorCode code = ErrorCode::kProtocolViolation;
    std::string reason;  // one line, for CLOSE and the log
  };

  struct Stats {
    uint64_t packets_sent = 0;
    uint64_t packets_received = 0;
    uint64_t packets_lost = 0;        // declared lost (threshold or PTO)
    uint64_t bytes_retransmitted = 0;  // stream bytes sent more than once
    uint64_t duplicates = 0;           // packets received more than once
    uint64_t pto_count = 0;            // probe timeouts fired
  };

  SimpleConnection(Stream& stream, Config config);
  SimpleConnection(const SimpleConnection&) = delete;
  SimpleConnection& operator=(const SimpleConnection&) = delete;

  // One short-header packet of this connection (the whole datagram), received at `now_ns`
  // (monotonic nanoseconds). Calls the Stream's callbacks before returning.
  Result<Received, Violation> onPacket(std::span<const uint8_t> datagram, uint64_t now_ns);

  // Fills `out` (at least max_datagram bytes) with the next packet to send: ACK, MAX_DATA,
  // probes, retransmissions, new data and FIN, within flow control and the congestion window.
  // Returns its size; 0 when nothing needs sending now. Call until it returns 0.
  size_t writePacket(std::span<uint8_t> out, uint64_t now_ns);
  // Monotonic nanoseconds at which onTimer() must run (ack delay, loss time or PTO);
  // UINT64_MAX when no timer is needed.
  uint64_t nextTimeout() const;
  // Runs the timers that are due; then call writePacket() until it returns 0.
  void onTimer(uint64_t now_ns);

  // The application took `n` delivered bytes off our hands: the window may move (MAX_DATA).
  void consumed(size_t n);
  // Queues a PING (keepalive); it goes out with the next writePacket().
  void ping();

  // Writes a packet with a CLOSE frame (and a fresh packet number) for the owner to send, and
  // stops everything else: writePacket() returns 0 from now on. Call again to get the same
  // CLOSE for answering packets while closing (§7.4).
  size_t writeClose(std::span<uint8_t> out, ErrorCode code, std::string_view reason);

  // Everything we wrote (and the FIN, if requested) has been acknowledged.
  bool allAcknowledged() const;
  bool hasUnsentData() const;  // new or lost stream data, or an unsent FIN
  uint64_t bytesInFlight() const;
  uint64_t congestionWindow() const;
  uint64_t smoothedRttNs() const;
  uint64_t probeTimeoutNs() const;  // current PTO without backoff
  const Stats& stats() const { return stats_; }

 private:
  // Implementation defined in simple_connection.cc and its helper classes.
  Stream& stream_;
  Config config_;
  Stats stats_;
  // ... (added by the implementation)
};

}  // namespace mqttd::simple
