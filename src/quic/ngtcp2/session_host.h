// Ngtcp2SessionHost: what an Ngtcp2Session needs from its engine (sending, CID routing,
// secrets, splice context, removal). Keeps the session free of the engine's header.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstdint>
#include <span>

#include "net/socket_address.h"
#include "splice/splice.h"

namespace mqttd {

class Ngtcp2Session;

// Bytes of the buffer one write burst of a session fills (a GSO batch at most).
inline constexpr size_t kTxBufferSize = 64 * 1024;

class Ngtcp2SessionHost {
 public:
  // Sends one datagram, or several of `gso_size` bytes each when gso_size > 0.
  virtual void sendPacket(std::span<const uint8_t> data, const SocketAddress& peer,
                          const SocketAddress& local, uint8_t ecn, size_t gso_size) = 0;
  // The engine's one write buffer (kTxBufferSize bytes), shared by its sessions: a burst is
  // written and sent before the next session writes, so idle connections hold none.
  virtual uint8_t* txBuffer() = 0;
  virtual ngtcp2_cid newConnectionId() = 0;
  // Routes `cid` to `session` (false: taken).
  virtual bool associate(const ngtcp2_cid& cid, Ngtcp2Session& session) = 0;
  virtual void dissociate(const ngtcp2_cid& cid) = 0;
  // Stateless reset token for `cid`, derived from the static secret (RFC 9000 §10.3.2).
  virtual bool resetToken(const ngtcp2_cid& cid, uint8_t* token) = 0;
  // A NEW_TOKEN token for the client's address; returns its length (0: none).
  virtual size_t newToken(const SocketAddress& peer, uint8_t* out, size_t cap) = 0;
  virtual SpliceContext spliceContext() = 0;
  virtual uint64_t nextConnectionId() = 0;
  // The session has ended: stop routing to it and destroy it soon (never inside its callbacks).
  virtual void sessionFinished(Ngtcp2Session& session) = 0;

 protected:
  ~Ngtcp2SessionHost() = default;
};

}  // namespace mqttd
