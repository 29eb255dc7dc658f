// QuicSession: what the Dispatcher and the ConnectionTracker see of a connection, whichever
// front end (ngtcp2 or the simple framer) implements it.
#pragma once

#include "net/udp_socket.h"

namespace mqttd {

class QuicSession {
 public:
  virtual ~QuicSession() = default;
  // One datagram whose destination connection ID belongs to this session.
  virtual void onDatagram(const ReceivedDatagram& datagram) = 0;
};

}  // namespace mqttd
