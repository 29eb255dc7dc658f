// QuicFrontend: the QUIC listener of one worker: its UDP socket, connection tracker, ngtcp2
// engine, simple-framer engine (when enabled) and dispatcher.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/connection_budget.h"
#include "quic/connection_tracker.h"
#include "quic/dispatcher.h"
#include "quic/ngtcp2/ngtcp2_engine.h"
#include "quic/ngtcp2/static_secret.h"
#include "quic/ngtcp2/tls_server_context.h"
#include "quic/simple/simple_engine.h"

namespace mqttd {

class QuicFrontend {
 public:
  // What one worker's QUIC listener is made of besides the listener config.
  struct Params {
    EventLoop& loop;                             // the worker's loop
    Metrics& metrics;                            // shared by every worker
    SocketAddress address;                       // where to bind (the real port after worker 0)
    bool reuse_port = false;                     // SO_REUSEPORT: several workers on one port
    std::shared_ptr<const TlsServerContext> tls;  // shared by every worker; required
    std::shared_ptr<const StaticSecret> secret;   // shared by every worker; required
    ConnectionBudget& budget;                     // QUIC + simple connections of the process
    std::function<SpliceContext()> splice_context;
    std::function<uint64_t()> next_id;
    Dispatcher::Handover handover;  // worker id, count, and how to reach the other workers
  };

  // Binds params.address (not config.address).
  static Result<std::unique_ptr<QuicFrontend>, std::string> open(
      Params params, const QuicListenerConfig& config);
  QuicFrontend(const QuicFrontend&) = delete;
  QuicFrontend& operator=(const QuicFrontend&) = delete;

  const SocketAddress& address() const { return socket_->localAddress(); }
  // Sessions of this listener; safe to read from any thread.
  size_t connectionCount() const {
    return engine_->sessionCount() + (simple_ ? simple_->sessionCount() : 0);
  }
  uint64_t connectionsAccepted() const {  // any thread
    return engine_->sessionsAccepted() + (simple_ ? simple_->sessionsAccepted() : 0);
  }
  void setOnConnectionClosed(std::function<void()> fn) {
    if (simple_) simple_->setOnSessionFinished(fn);
    engine_->setOnSessionFinished(std::move(fn));
  }
  // Drain: new connections get CONNECTION_REFUSED; open ones carry on.
  void stopAccepting() {
    engine_->stopAccepting();
    if (simple_) simple_->stopAccepting();
  }
  // Asks every session to close (v5 clients get DISCONNECT 0x8B).
  void shutdownAll() {
    engine_->shutdownAll();
    if (simple_) simple_->shutdownAll();
  }
  void appendJson(std::string& out) const {
    engine_->appendJson(out);
    if (simple_) simple_->appendJson(out);
  }
  // A datagram another worker received for one of this listener's connections.
  void dispatchHandedOver(const ReceivedDatagram& datagram) {
    dispatcher_->dispatchHandedOver(datagram);
  }

 private:
  QuicFrontend() = default;

  std::unique_ptr<UdpSocket> socket_;
  ConnectionTracker tracker_;
  // Declared before the ngtcp2 engine and the dispatcher, which borrow it; nullptr when off.
  std::unique_ptr<simple::SimpleEngine> simple_;
  std::unique_ptr<Ngtcp2Engine> engine_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace mqttd
