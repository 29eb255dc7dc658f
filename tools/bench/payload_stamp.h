// PayloadStamp: the 16-byte header mqttd-bench writes at the start of every payload so that a
// subscriber (maybe another process on the same machine) can measure publish->deliver latency
// and spot gaps and duplicates per publisher.
//   bytes 0..7   send time, CLOCK_REALTIME nanoseconds since the Unix epoch, big-endian
//   bytes 8..11  publisher id (FNV-1a of the publisher's client id), big-endian
//   bytes 12..15 sequence number of this publisher, from 0, big-endian (wraps at 2^32)
// The rest of the payload is filler the publisher writes once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mqttd::bench {

struct PayloadStamp {
  static constexpr size_t kSize = 16;  // bytes; also the smallest payload -s accepts

  uint64_t sent_ns = 0;    // CLOCK_REALTIME, ns since the epoch
  uint32_t publisher = 0;  // publisherId(client id)
  uint32_t sequence = 0;   // 0, 1, 2... per publisher

  // Writes the stamp into the first kSize bytes of `payload`; false if it is shorter.
  bool encode(std::span<uint8_t> payload) const;
  // Reads a stamp; nullopt if the payload is shorter than kSize.
  static std::optional<PayloadStamp> decode(std::span<const uint8_t> payload);

  // 32-bit FNV-1a of a client id: the publisher field.
  static uint32_t publisherId(std::string_view client_id);
  // CLOCK_REALTIME now, in ns since the epoch.
  static uint64_t realtimeNanos();
};

}  // namespace mqttd::bench
