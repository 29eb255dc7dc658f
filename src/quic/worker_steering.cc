#include "quic/worker_steering.h"

#include <ngtcp2/ngtcp2.h>

#include "quic/connection_id.h"

namespace mqttd {
namespace {

constexpr uint8_t kLongHeaderBit = 0x80;
// RFC 9000 §17.2: long packet type, bits 0x30 of the first byte; 2 is Handshake in v1.
constexpr uint8_t kLongTypeMask = 0x30;
constexpr uint8_t kLongTypeHandshake = 0x20;

}  // namespace

std::optional<uint8_t> WorkerSteering::ownerOf(std::span<const uint8_t> datagram, uint32_t version,
                                               const uint8_t* dcid, size_t dcidlen) const {
  if (count_ <= 1 || datagram.empty() || dcidlen != ConnectionIdGenerator::kLength)
    return std::nullopt;
  const bool long_header = (datagram[0] & kLongHeaderBit) != 0;
  if (long_header && (version != NGTCP2_PROTO_VER_V1 || (datagram[0] & kLongTypeMask) != kLongTypeHandshake))
    return std::nullopt;
  const uint8_t owner = ConnectionIdGenerator::workerOf(dcid, dcidlen);
  if (owner == self_ || owner >= count_) return std::nullopt;
  return owner;
}

}  // namespace mqttd
