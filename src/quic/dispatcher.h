// Dispatcher: reads datagrams from one UDP socket in bounded batches and routes each by the
// QUIC invariant header (RFC 8999): known DCID -> its session; unknown long header of
// version 1 -> the ngtcp2 engine; unknown version -> version negotiation; unknown short
// header -> stateless reset. Replies to unknown traffic are rate-limited.
#pragma once

#include <memory>

#include "admin/metrics.h"
#include "core/event_loop.h"
#include "net/udp_socket.h"
#include "quic/connection_tracker.h"
#include "quic/ngtcp2/ngtcp2_engine.h"
#include "quic/rate_limiter.h"

namespace mqttd {

class Dispatcher {
 public:
  Dispatcher(EventLoop& loop, UdpSocket& socket, ConnectionTracker& tracker,
             Ngtcp2Engine& engine, Metrics& metrics);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Routes one datagram (public for tests).
  void dispatch(const ReceivedDatagram& datagram);

  uint64_t dropped() const { return dropped_; }  // undecodable or unanswered datagrams

 private:
  void onReadable();
  void sendVersionNegotiation(const ReceivedDatagram& datagram, const ngtcp2_version_cid& vc);

  EventLoop& loop_;
  UdpSocket& socket_;
  ConnectionTracker& tracker_;
  Ngtcp2Engine& engine_;
  Metrics& metrics_;
  FdWatch watch_;
  RateLimiter vn_limiter_{100, 200};  // version negotiation replies per second
  uint64_t dropped_ = 0;
  bool resume_scheduled_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mqttd
