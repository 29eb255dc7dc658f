// ClientTransport: one ordered byte stream to an MQTT server, over TCP or QUIC, so mqttd-cli
// (and later mqttd-bench and tests) drive MQTT the same way over both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "net/socket_address.h"

namespace mqttd::client {

// Why a transport ended; exactly one on_closed callback carries it.
enum class TransportCloseReason {
  kClosedByUs,        // close() was called and the connection ended cleanly
  kClosedByPeer,      // the peer closed without an error (TCP EOF+close, QUIC NO_ERROR)
  kPeerError,         // the peer closed with an error code (QUIC CONNECTION_CLOSE, TCP RST)
  kConnectFailed,     // nothing listens there: TCP refused, ICMP unreachable on UDP
  kTlsVerifyFailed,   // the server certificate did not verify (trust, name or dates)
  kHandshakeFailed,   // TLS/QUIC handshake failed (alert such as no_application_protocol)
  kHandshakeTimeout,  // the handshake did not finish within the handshake timeout
  kIdleTimeout,       // nothing heard from the peer within the idle timeout
  kNetworkError,      // a socket error while connected
  kProtocolError,     // the transport library detected a local/protocol error
};

std::string_view toString(TransportCloseReason reason);
// An error code as close texts show it: "0x178".
std::string hexCode(uint64_t code);

struct TransportClose {
  TransportClose() = default;
  TransportClose(TransportCloseReason r, std::string t, uint64_t code = 0, uint8_t type = 0,
                 bool from_peer = false)
      : reason(r), text(std::move(t)), error_code(code), error_type(type), remote(from_peer) {}

  TransportCloseReason reason = TransportCloseReason::kClosedByUs;
  std::string text;         // one line fit for a CLI error message
  uint64_t error_code = 0;  // QUIC CONNECTION_CLOSE error code (0 for TCP)
  // ngtcp2_connection_close_error_code_type: 0 transport, 1 application (QUIC only).
  uint8_t error_type = 0;
  bool remote = false;  // error_code/type came from the peer's CONNECTION_CLOSE
};

class ClientTransport {
 public:
  // All callbacks run on the transport's event loop. Do not destroy the transport inside one
  // of them: defer it with EventLoop::callLater (style habit 6).
  struct Callbacks {
    std::function<void()> on_connected;                       // the stream is writable
    std::function<void(std::span<const uint8_t>)> on_data;    // bytes, consumed on return
    std::function<void()> on_fin;                             // the peer finished sending
    std::function<void(const TransportClose&)> on_closed;     // last callback, exactly once
  };

  virtual ~ClientTransport() = default;

  // Starts connecting; later failures arrive through on_closed. An error here means nothing
  // was started (bad address, socket, TLS setup) and no callback will follow.
  [[nodiscard]] virtual Result<void, std::string> connect(const SocketAddress& peer,
                                                          Callbacks callbacks) = 0;
  // Queues a copy of `data`; allowed before on_connected (sent once connected).
  virtual void write(std::span<const uint8_t> data) = 0;
  // Sends FIN after everything queued.
  virtual void shutdownWrite() = 0;
  // Flushes what is queued (bounded by a short linger), then closes: QUIC CONNECTION_CLOSE
  // with application error 0, TCP close. on_closed(kClosedByUs) follows unless already closed.
  virtual void close() = 0;
  // Bytes written but not yet acknowledged by the peer (QUIC) or the kernel (TCP).
  virtual size_t pendingOutput() const = 0;
  virtual bool connected() const = 0;
  virtual std::string_view name() const = 0;  // "tcp" or "quic"
};

}  // namespace mqttd::client
