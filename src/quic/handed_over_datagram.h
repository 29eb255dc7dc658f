// HandedOverDatagram: an owned copy of a ReceivedDatagram, so one worker can pass a datagram
// that belongs to another worker's connection to that worker's inbox (the original's bytes live
// in the receiving socket's buffer only during the receive callback).
#pragma once

#include <cstdint>
#include <vector>

#include "net/udp_socket.h"

namespace mqttd {

struct HandedOverDatagram {
  explicit HandedOverDatagram(const ReceivedDatagram& d)
      : bytes(d.data.begin(), d.data.end()), peer(d.peer), local(d.local), ecn(d.ecn) {}

  // A view for Dispatcher::dispatch(); valid while this object lives.
  ReceivedDatagram view() const { return ReceivedDatagram{bytes, peer, local, ecn}; }

  std::vector<uint8_t> bytes;
  SocketAddress peer;   // the client's address as the receiving worker saw it
  SocketAddress local;  // the address the client sent to (same port on every worker)
  uint8_t ecn = 0;      // ECN bits of the IP header, 0..3
};

}  // namespace mqttd
