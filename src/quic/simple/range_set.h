// RangeSet: a set of stream offsets kept as sorted, disjoint, non-adjacent half-open ranges.
// SimpleConnection uses it for stream bytes acknowledged out of order and bytes to resend;
// ReassemblyBuffer for bytes received out of order. Few ranges are expected (one per hole), so
// a sorted vector is used: O(log n) lookup, O(n) moves on insert or erase, no per-call
// allocation once its capacity has grown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mqttd::simple {

class RangeSet {
 public:
  struct Range {
    uint64_t begin = 0;  // first offset
    uint64_t end = 0;    // offset after the last one (> begin)
    bool operator==(const Range&) const = default;
  };

  // Adds [begin, end), merging with overlapping or adjacent ranges. Empty ranges are ignored.
  void insert(uint64_t begin, uint64_t end);
  // Removes [begin, end) (splitting a range if needed).
  void erase(uint64_t begin, uint64_t end);
  // Removes everything below `offset`.
  void eraseBelow(uint64_t offset);
  // True if every offset of [begin, end) is in the set (empty ranges: true).
  bool contains(uint64_t begin, uint64_t end) const;
  // The first range that ends after `offset` (nullptr if none): the range holding `offset`, or
  // the next one above it.
  const Range* firstEndingAfter(uint64_t offset) const;

  bool empty() const { return ranges_.empty(); }
  size_t size() const { return ranges_.size(); }  // number of ranges
  const Range& front() const { return ranges_.front(); }
  const Range& back() const { return ranges_.back(); }
  std::span<const Range> ranges() const { return ranges_; }
  uint64_t totalBytes() const;  // offsets in the set
  void clear() { ranges_.clear(); }

 private:
  std::vector<Range> ranges_;  // ascending; a[i].end < a[i + 1].begin
};

}  // namespace mqttd::simple
