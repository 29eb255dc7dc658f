// Dispatcher: reads datagrams from one UDP socket in bounded batches and routes each by the
// QUIC invariant header (RFC 8999): known DCID -> its session (ngtcp2 or simple framer);
// unknown long header of version 1 -> the ngtcp2 engine; of the simple framer's version -> the
// simple engine when enabled; other versions -> version negotiation; unknown short header ->
// stateless reset. Replies to unknown traffic are rate-limited. With several workers,
// a datagram whose connection ID names another worker is handed to that worker (WorkerSteering).
#pragma once

#include <functional>
#include <memory>

#include "admin/metrics.h"
#include "core/event_loop.h"
#include "net/udp_socket.h"
#include "quic/connection_tracker.h"
#include "quic/ngtcp2/ngtcp2_engine.h"
#include "quic/rate_limiter.h"
#include "quic/simple/simple_engine.h"
#include "quic/worker_steering.h"

namespace mqttd {

// Where a Dispatcher sends datagrams of other workers' connections. Default: one worker,
// nothing handed over.
struct DatagramHandover {
  uint8_t worker_id = 0;     // this dispatcher's worker
  uint8_t worker_count = 1;  // workers in the process
  // Copies `datagram` to worker `owner`'s inbox, which calls dispatchHandedOver() there.
  // Called on this worker's thread; must not block.
  std::function<void(uint8_t owner, const ReceivedDatagram& datagram)> send;
};

class Dispatcher {
 public:
  using Handover = DatagramHandover;

  // `simple`: the simple framer's engine, nullptr when it is not enabled.
  Dispatcher(EventLoop& loop, UdpSocket& socket, ConnectionTracker& tracker,
             Ngtcp2Engine& engine, Metrics& metrics, Handover handover = {},
             simple::SimpleEngine* simple = nullptr);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Routes one datagram read from this worker's socket (public for tests).
  void dispatch(const ReceivedDatagram& datagram) { route(datagram, /*may_hand_over=*/true); }
  // Routes a datagram another worker handed over: as if read here, but never handed on again
  // (no loops, even if the workers disagreed about the owner).
  void dispatchHandedOver(const ReceivedDatagram& datagram) {
    route(datagram, /*may_hand_over=*/false);
  }

  uint64_t dropped() const { return dropped_; }  // undecodable or unanswered datagrams

 private:
  void onReadable();
  void route(const ReceivedDatagram& datagram, bool may_hand_over);
  void routeSimpleLongHeader(const ReceivedDatagram& datagram);
  void refuseSimpleHello(const ReceivedDatagram& datagram);
  void sendVersionNegotiation(const ReceivedDatagram& datagram, const ngtcp2_version_cid& vc);

  EventLoop& loop_;
  UdpSocket& socket_;
  ConnectionTracker& tracker_;
  Ngtcp2Engine& engine_;
  simple::SimpleEngine* simple_;  // nullptr: the simple framer is off
  Metrics& metrics_;
  Handover handover_;
  WorkerSteering steering_;
  FdWatch watch_;
  RateLimiter vn_limiter_{100, 200};  // version negotiation replies per second
  uint64_t dropped_ = 0;
  bool resume_scheduled_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mqttd
