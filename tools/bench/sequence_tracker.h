// SequenceTracker: per-publisher sequence numbers seen by one subscriber, to count messages
// lost (gaps) and delivered twice or out of order (duplicates). Allocates only when a new
// publisher shows up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace mqttd::bench {

class SequenceTracker {
 public:
  struct Observation {
    uint64_t gap = 0;        // sequence numbers skipped just before this one
    bool duplicate = false;  // at or below one already seen: a duplicate or a late arrival
  };

  // The first message of a publisher sets its baseline (a subscriber that joins late does not
  // count what it missed). After that, sequence s is in order when it is the last one + 1;
  // numbers are compared modulo 2^32 (RFC 1982 style) so a wrap is not a gap.
  Observation observe(uint32_t publisher, uint32_t sequence);

  uint64_t gaps() const { return gaps_; }              // messages missing, all publishers
  uint64_t duplicates() const { return duplicates_; }  // messages at or below the high mark
  size_t publishers() const { return next_.size(); }

 private:
  std::unordered_map<uint32_t, uint32_t> next_;  // publisher id -> next expected sequence
  uint64_t gaps_ = 0;
  uint64_t duplicates_ = 0;
};

}  // namespace mqttd::bench
