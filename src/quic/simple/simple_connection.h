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
#include "quic/simple/new_reno.h"
#include "quic/simple/range_set.h"
#include "quic/simple/reassembly_buffer.h"
#include "quic/simple/received_packets.h"
#include "quic/simple/rtt_estimator.h"
#include "quic/simple/sent_packets.h"
#include "quic/simple/wire.h"

namespace mqttd::simple {

class PacketReader;
class PacketWriter;

class SimpleConnection final : private SentPackets::Listener, private ReassemblyBuffer::Sink {
 public:
  // The application side of the stream: the session's QuicStream, or the client. Callbacks
  // may call consumed(), ping(), writePacket() and writeClose(); they must not destroy the
  // connection.
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
    // Not taken: a short header with reserved bits set or no frames (§3.2), or stream data we
    // cannot buffer now. Nothing was acknowledged; the peer resends what it carried.
    bool dropped = false;
  };

  // Why onPacket() refuses a packet: the owner closes the connection with `code`.
  struct Violation {
    ErrorCode code = ErrorCode::kProtocolViolation;
    std::string reason;  // one line, for CLOSE and the log
  };

  struct Stats {
    uint64_t packets_sent = 0;
    uint64_t packets_received = 0;
    uint64_t packets_lost = 0;            // declared lost (threshold or PTO)
    uint64_t bytes_retransmitted = 0;     // stream bytes sent more than once
    uint64_t duplicates = 0;              // packets received more than once
    uint64_t pto_count = 0;               // probe timeouts fired
    uint64_t packets_dropped = 0;         // short headers not taken (Received::dropped)
    uint64_t congestion_events = 0;       // window reductions (RFC 9002 §7.3.2)
    uint64_t persistent_congestions = 0;  // collapses to the minimum window (§7.6)
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
  uint64_t peerLimit() const { return peer_limit_; }        // we may send below this offset
  uint64_t advertisedLimit() const { return advertised_; }  // the peer may send below this
  uint64_t deliveredBytes() const { return reassembly_.delivered(); }
  bool closed() const { return closing_ || peer_closed_; }  // CLOSE sent or received

 private:
  // SentPackets::Listener: bookkeeping only (no Stream calls, no sending).
  void onPacketAcked(const SentPacket& packet) override;
  void onPacketLost(const SentPacket& packet) override;
  // ReassemblyBuffer::Sink: in-order bytes to the Stream.
  void onData(std::span<const uint8_t> data, bool fin) override;

  // Applies the frames of a new packet; the result says whether it is ack-eliciting and taken.
  struct Applied {
    bool ack_eliciting = false;
    bool taken = true;
  };
  Result<Applied, Violation> applyFrames(PacketReader& reader, uint64_t now_ns);
  void reportAcked();  // contiguous progress and the FIN, to the Stream
  void updateCongestionStats();
  // Appends stream frames (lost ranges, new data, FIN) to the packet being written.
  void writeStream(PacketWriter& w, SentPacket& record);
  void writeProbe(PacketWriter& w, SentPacket& record);
  // One STREAM frame of sent bytes [offset, offset + max_len) read back from the SendBuffer;
  // returns the bytes taken (they leave lost_ and count as retransmitted).
  size_t resend(PacketWriter& w, SentPacket& record, uint64_t offset, uint64_t max_len);
  // One STREAM frame at `offset` from `data` (at most max_len bytes), with the FIN when it
  // reaches the end of a finished stream; records it. Returns the bytes taken.
  size_t writeChunk(PacketWriter& w, SentPacket& record, uint64_t offset,
                    std::span<const iovec> data, uint64_t max_len);
  bool finPending() const;  // a FIN (new or lost) must go out

  Stream& stream_;
  Config config_;
  Stats stats_;
  RttEstimator rtt_;
  NewReno cc_;
  SentPackets sent_;
  ReceivedPackets received_;
  ReassemblyBuffer reassembly_;
  // Sending side of the stream.
  uint64_t peer_limit_;          // §5.4: send only below this stream offset
  uint64_t reported_acked_ = 0;  // bytes reported with onStreamAcked (contiguous prefix)
  RangeSet acked_;               // stream bytes acknowledged above reported_acked_
  RangeSet lost_;                // stream bytes to send again, none acknowledged
  bool fin_sent_ = false;        // a STREAM_FIN went out at least once
  bool fin_lost_ = false;        // every FIN sent was lost: send it again
  bool fin_acked_ = false;       // a packet with the FIN was acknowledged
  bool fin_reported_ = false;    // onFinAcked() was called
  // Receiving side.
  uint64_t advertised_;            // §5.4: the limit we advertise (initial: our window)
  uint64_t consumed_ = 0;          // bytes the application took
  bool max_data_pending_ = false;  // a MAX_DATA (advertised_) must go out
  bool ping_pending_ = false;      // ping() was called
  bool probe_pending_ = false;     // a PTO fired: send one probe packet
  // Closing (§7.4).
  bool closing_ = false;                        // writeClose() was called
  bool peer_closed_ = false;                    // the peer sent CLOSE
  ErrorCode close_code_ = ErrorCode::kNoError;  // of our CLOSE
  std::string close_reason_;
};

}  // namespace mqttd::simple
