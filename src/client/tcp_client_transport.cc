#include "client/tcp_client_transport.h"

#include <event2/buffer.h>

#include <chrono>

namespace mqttd::client {
namespace {

// How long close() waits for queued output to reach the kernel.
constexpr auto kCloseLinger = std::chrono::seconds(2);

}  // namespace

TcpClientTransport::TcpClientTransport(EventLoop& loop)
    : loop_(loop), linger_(loop, [this] { finish({TransportCloseReason::kClosedByUs, "closed"}); }) {}

TcpClientTransport::~TcpClientTransport() = default;

Result<void, std::string> TcpClientTransport::connect(const SocketAddress& peer,
                                                      Callbacks callbacks) {
  if (socket_) return fail(std::string("already connecting"));
  callbacks_ = std::move(callbacks);
  socket_ = std::make_unique<BufferedSocket>(
      loop_, BufferedSocket::Callbacks{
                 .on_readable = [this] { onReadable(); },
                 .on_drained = [this] { onDrained(); },
                 .on_event = [this](BufferedSocket::Event e) { onEvent(e); },
             });
  if (!socket_->connect(peer)) {
    std::string error = "connect to " + peer.toString() + ": " + socket_->lastError();
    socket_.reset();
    return fail(std::move(error));
  }
  return {};
}

void TcpClientTransport::write(std::span<const uint8_t> data) {
  if (!socket_ || closed_ || closing_) return;
  (void)evbuffer_add(socket_->output(), data.data(), data.size());
}

void TcpClientTransport::shutdownWrite() {
  if (socket_ && !closed_) socket_->shutdownWrite();
}

void TcpClientTransport::close() {
  if (!socket_ || closed_ || closing_) return;
  closing_ = true;
  if (!connected_ || socket_->outputLength() == 0) {
    finish({TransportCloseReason::kClosedByUs, "closed"});
    return;
  }
  socket_->shutdownWrite();  // FIN after the queued bytes; onDrained() completes the close
  linger_.start(kCloseLinger);
}

size_t TcpClientTransport::pendingOutput() const {
  return socket_ ? socket_->outputLength() : 0;
}

void TcpClientTransport::onReadable() {
  if (closed_) return;
  evbuffer* in = socket_->input();
  // Deliver in contiguous chunks straight from the evbuffer; the consumer copies what it keeps.
  while (!closed_ && evbuffer_get_length(in) > 0) {
    const size_t n = evbuffer_get_contiguous_space(in);
    const uint8_t* data = evbuffer_pullup(in, static_cast<ssize_t>(n));
    if (callbacks_.on_data) callbacks_.on_data({data, n});
    (void)evbuffer_drain(in, n);  // the bufferevent outlives a close() made in on_data
  }
}

void TcpClientTransport::onDrained() {
  if (closing_ && !closed_ && socket_->outputLength() == 0) {
    finish({TransportCloseReason::kClosedByUs, "closed"});
  }
}

void TcpClientTransport::onEvent(BufferedSocket::Event event) {
  if (closed_) return;
  switch (event) {
    case BufferedSocket::Event::kConnected:
      connected_ = true;
      if (callbacks_.on_connected) callbacks_.on_connected();
      return;
    case BufferedSocket::Event::kEof:
      onReadable();
      if (closed_) return;
      if (!fin_seen_) {
        fin_seen_ = true;
        if (callbacks_.on_fin) callbacks_.on_fin();
      }
      if (closed_) return;
      // A TCP peer that sent FIN is done with the connection: report it closed.
      finish({closing_ ? TransportCloseReason::kClosedByUs : TransportCloseReason::kClosedByPeer,
              closing_ ? "closed" : "connection closed by peer"});
      return;
    case BufferedSocket::Event::kError: {
      const bool refused = !connected_;
      finish({refused ? TransportCloseReason::kConnectFailed : TransportCloseReason::kNetworkError,
              socket_->lastError()});
      return;
    }
  }
}

void TcpClientTransport::finish(TransportClose close) {
  if (closed_) return;
  closed_ = true;
  linger_.stop();
  if (socket_) socket_->closeNow();
  connected_ = false;
  if (callbacks_.on_closed) callbacks_.on_closed(close);
}

}  // namespace mqttd::client
