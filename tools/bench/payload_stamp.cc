#include "bench/payload_stamp.h"

#include <time.h>

namespace mqttd::bench {
namespace {

void putBe(uint8_t* out, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}

uint64_t getBe(const uint8_t* in, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | in[i];
  return v;
}

}  // namespace

bool PayloadStamp::encode(std::span<uint8_t> payload) const {
  if (payload.size() < kSize) return false;
  putBe(payload.data(), sent_ns, 8);
  putBe(payload.data() + 8, publisher, 4);
  putBe(payload.data() + 12, sequence, 4);
  return true;
}

std::optional<PayloadStamp> PayloadStamp::decode(std::span<const uint8_t> payload) {
  if (payload.size() < kSize) return std::nullopt;
  PayloadStamp s;
  s.sent_ns = getBe(payload.data(), 8);
  s.publisher = static_cast<uint32_t>(getBe(payload.data() + 8, 4));
  s.sequence = static_cast<uint32_t>(getBe(payload.data() + 12, 4));
  return s;
}

uint32_t PayloadStamp::publisherId(std::string_view client_id) {
  uint32_t h = 2166136261u;  // FNV-1a 32-bit offset basis
  for (char c : client_id) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;  // FNV prime
  }
  return h;
}

uint64_t PayloadStamp::realtimeNanos() {
  timespec ts{};
  (void)clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace mqttd::bench
