// QuicFrontend: the QUIC listener of one worker: its UDP socket, connection tracker, ngtcp2
// engine and dispatcher.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "quic/connection_tracker.h"
#include "quic/dispatcher.h"
#include "quic/ngtcp2/ngtcp2_engine.h"

namespace mqttd {

class QuicFrontend {
 public:
  static Result<std::unique_ptr<QuicFrontend>, std::string> open(
      EventLoop& loop, Metrics& metrics, const QuicListenerConfig& config,
      std::function<SpliceContext()> splice_context, std::function<uint64_t()> next_id);
  QuicFrontend(const QuicFrontend&) = delete;
  QuicFrontend& operator=(const QuicFrontend&) = delete;

  const SocketAddress& address() const { return socket_->localAddress(); }
  size_t connectionCount() const { return engine_->sessionCount(); }
  void setOnConnectionClosed(std::function<void()> fn) {
    engine_->setOnSessionFinished(std::move(fn));
  }
  // Drain: new connections get CONNECTION_REFUSED; open ones carry on.
  void stopAccepting() { engine_->stopAccepting(); }
  // Asks every session to close (v5 clients get DISCONNECT 0x8B).
  void shutdownAll() { engine_->shutdownAll(); }
  void appendJson(std::string& out) const { engine_->appendJson(out); }

 private:
  QuicFrontend() = default;

  std::unique_ptr<UdpSocket> socket_;
  ConnectionTracker tracker_;
  std::unique_ptr<Ngtcp2Engine> engine_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace mqttd
