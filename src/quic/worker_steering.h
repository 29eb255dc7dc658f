// WorkerSteering: decides whether a datagram that no session of this worker claimed belongs to
// another worker of the process. Server-issued connection IDs carry the owning worker in byte 1
// (ConnectionIdGenerator), for the ngtcp2 and the simple-framer engine alike; the kernel's
// SO_REUSEPORT hash follows the client's address instead,
// so after a migration or NAT rebinding a connection's packets may land on the wrong worker's
// socket. Those are handed to the owner (its inbox); everything else stays where it arrived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace mqttd {

class WorkerSteering {
 public:
  // `self`: this worker's id; `count`: workers in the process (1: never hand over).
  WorkerSteering(uint8_t self, uint8_t count) : self_(self), count_(count) {}

  // The worker to hand `datagram` to, or nullopt to handle it here. Only packets that use a
  // server-issued CID are handed over: short headers, and QUIC v1 Handshake packets (RFC 9000
  // §17.2.4). Initial and 0-RTT packets carry the client's own random DCID, so they stay: a new
  // connection belongs to the worker the kernel picked. A DCID that is not 16 bytes, or names a
  // worker that does not exist, stays here too (and gets the usual unknown-traffic answer).
  std::optional<uint8_t> ownerOf(std::span<const uint8_t> datagram, uint32_t version,
                                 const uint8_t* dcid, size_t dcidlen) const;

  uint8_t self() const { return self_; }
  uint8_t count() const { return count_; }

 private:
  uint8_t self_;
  uint8_t count_;
};

}  // namespace mqttd
