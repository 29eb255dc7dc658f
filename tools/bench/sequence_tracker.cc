#include "bench/sequence_tracker.h"

namespace mqttd::bench {

SequenceTracker::Observation SequenceTracker::observe(uint32_t publisher, uint32_t sequence) {
  Observation o;
  auto [it, inserted] = next_.try_emplace(publisher, sequence + 1);
  if (inserted) return o;
  const uint32_t ahead = sequence - it->second;  // modulo 2^32
  if (ahead < 0x8000'0000u) {
    o.gap = ahead;  // 0 when in order
    gaps_ += ahead;
    it->second = sequence + 1;
  } else {
    o.duplicate = true;
    ++duplicates_;
  }
  return o;
}

}  // namespace mqttd::bench
