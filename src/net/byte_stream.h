// ByteStream: the client side of a Splice, one ordered byte stream in each direction.
// Implemented by TcpStream (plain TCP listener) and by the QUIC transports' streams, so the
// Splice, the MQTT codec and the metrics are shared by every front end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct evbuffer;

namespace mqttd {

enum class StreamError {
  kReset,         // the client reset the stream / connection (TCP RST, QUIC RESET_STREAM)
  kTransportLost, // the transport underneath died (QUIC connection closed, idle timeout)
};

std::string_view toString(StreamError error);

class ByteStream {
 public:
  class Observer {
   public:
    virtual void onStreamReadable() = 0;             // input() grew or the FIN arrived
    virtual void onStreamWritable() = 0;             // pendingOutput() fell to the low mark
    virtual void onStreamClosed(StreamError why) = 0;  // dead: no more callbacks after this

   protected:
    ~Observer() = default;
  };

  virtual ~ByteStream() = default;

  virtual void setObserver(Observer* observer) = 0;
  // Bytes received from the client, not yet consumed. Bounded by the receive window.
  virtual evbuffer* input() = 0;
  // The client finished sending (FIN): input() holds everything it will ever send.
  virtual bool inputFinished() const = 0;
  // Drops `n` bytes from the front of input() and gives the client that much credit again.
  virtual void consume(size_t n) = 0;
  // Moves `n` bytes from the front of `from` to the client.
  virtual void write(evbuffer* from, size_t n) = 0;
  // Bytes queued to the client and not yet handed to the transport.
  virtual size_t pendingOutput() const = 0;
  // Sends FIN after everything queued.
  virtual void finish() = 0;
  // Drops the stream abruptly (TCP: RST; QUIC: RESET_STREAM + STOP_SENDING).
  virtual void abort() = 0;

  virtual std::string peer() const = 0;           // "ip:port" of the client
  // The MQTT CONNECT on this stream asked for this keepalive (seconds, 0: none). A transport
  // with its own idle timeout (QUIC) stretches it so a quiet client that keeps to its
  // keepalive is never cut before its PINGREQ; the default ignores it (TCP has no idle timer).
  virtual void mqttKeepAlive(uint16_t /*seconds*/) {}
  virtual std::string_view transport() const = 0;  // "tcp", "quic", "simple"
};

}  // namespace mqttd
