// QuicStream: one client-initiated bidirectional QUIC stream as a ByteStream, so a Splice can
// join it to the broker exactly like a TCP connection. The session (QuicStreamHost) owns the
// transport; this object holds the stream's buffers and reports to the Splice.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/byte_stream.h"
#include "quic/send_buffer.h"

namespace mqttd {

// What a QuicStream needs from its session.
class QuicStreamHost {
 public:
  virtual void streamConsumed(int64_t stream_id, size_t n) = 0;  // return flow-control credit
  virtual void streamWantsWrite() = 0;                           // schedule a write soon
  virtual void streamAbort(int64_t stream_id) = 0;               // RESET_STREAM + STOP_SENDING
  virtual void streamDetached(int64_t stream_id) = 0;            // the object is being destroyed
  virtual std::string peerAddress() const = 0;
  // The stream's MQTT CONNECT asked for this keepalive (seconds; 0: none).
  virtual void streamKeepAlive(int64_t stream_id, uint16_t seconds) = 0;

 protected:
  ~QuicStreamHost() = default;
};

class QuicStream final : public ByteStream {
 public:
  // `write_low`: buffered() level at which onStreamWritable() fires. `transport`: what
  // transport() reports ("quic", or "simple" for the simple framer's one stream).
  QuicStream(QuicStreamHost& host, int64_t id, size_t write_low,
             std::string_view transport = "quic");
  ~QuicStream() override;

  int64_t id() const { return id_; }

  // --- from the session (transport side) ---
  // Stream data from the client, in order (ngtcp2 reassembles); `fin` on the last.
  void deliver(const uint8_t* data, size_t len, bool fin);
  // Tells the Splice about delivered data (called after ngtcp2_conn_read_pkt returns).
  void notifyReadable();
  SendBuffer& sendBuffer() { return send_; }
  // FIN requested and every byte handed to the transport: the next write carries FIN.
  bool finPending() const { return fin_requested_ && !fin_sent_ && send_.unsentBytes() == 0; }
  // The Splice finished writing: FIN follows the last byte of sendBuffer().
  bool finRequested() const { return fin_requested_; }
  void markFinSent();
  bool hasDataToSend() const { return send_.unsentBytes() > 0 || finPending(); }
  // The client acknowledged [offset, offset + n) of what we sent; false: impossible range.
  bool acknowledged(uint64_t offset, size_t n);
  // The client reset the stream or the connection went away.
  void transportClosed(StreamError why);
  // Flow control: ngtcp2 said the stream is blocked until extend_max_stream_data.
  bool blocked = false;

  // --- ByteStream (Splice side) ---
  void setObserver(Observer* observer) override { observer_ = observer; }
  evbuffer* input() override { return input_; }
  bool inputFinished() const override { return fin_received_; }
  void consume(size_t n) override;
  void write(evbuffer* from, size_t n) override;
  // Unacknowledged + unsent bytes, plus one for a FIN not yet written, so a closing Splice
  // waits for the FIN to leave.
  size_t pendingOutput() const override {
    return send_.unackedBytes() + (fin_requested_ && !fin_sent_ ? 1 : 0);
  }
  void finish() override;
  void abort() override;
  std::string peer() const override { return host_.peerAddress(); }
  std::string_view transport() const override { return transport_; }
  void mqttKeepAlive(uint16_t seconds) override { host_.streamKeepAlive(id_, seconds); }

 private:
  QuicStreamHost& host_;
  const int64_t id_;
  const size_t write_low_;          // bytes
  const std::string_view transport_;  // a string literal
  Observer* observer_ = nullptr;    // the Splice; borrowed
  evbuffer* input_;                 // received, not yet consumed (bounded by the stream window)
  SendBuffer send_;                 // to the client: unacknowledged + unsent
  bool fin_received_ = false;
  bool readable_pending_ = false;   // deliver() happened since the last notifyReadable()
  bool fin_requested_ = false;
  bool fin_sent_ = false;
  bool closed_ = false;             // reset/aborted: no more callbacks, no more data
};

}  // namespace mqttd
