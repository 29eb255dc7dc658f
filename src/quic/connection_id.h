// ConnectionIdGenerator: every connection ID this server issues. Layout (16 bytes, documented in
// docs/quic.md): byte 0 = server id (scale-out, QUIC-LB style plaintext), byte 1 = worker id
// (which worker's socket owns the connection), bytes 2..15 = random (GnuTLS RNG).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <ngtcp2/ngtcp2.h>

namespace mqttd {

class ConnectionIdGenerator {
 public:
  static constexpr size_t kLength = 16;  // bytes of every server-issued CID

  ConnectionIdGenerator(uint8_t server_id, uint8_t worker_id)
      : server_id_(server_id), worker_id_(worker_id) {}

  ngtcp2_cid generate() const;

  static uint8_t serverOf(const uint8_t* cid, size_t len) { return len >= 2 ? cid[0] : 0; }
  static uint8_t workerOf(const uint8_t* cid, size_t len) { return len >= 2 ? cid[1] : 0; }

 private:
  uint8_t server_id_;
  uint8_t worker_id_;
};

// The tracker's map key for a CID.
inline std::string cidKey(const uint8_t* data, size_t len) {
  return std::string(reinterpret_cast<const char*>(data), len);
}
inline std::string cidKey(const ngtcp2_cid& cid) { return cidKey(cid.data, cid.datalen); }

}  // namespace mqttd
