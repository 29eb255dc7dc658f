#include "quic/simple/range_set.h"

#include <algorithm>

namespace mqttd::simple {

void RangeSet::insert(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  // The first range that ends at or after `begin`: it overlaps or touches, or lies above.
  auto first = std::lower_bound(ranges_.begin(), ranges_.end(), begin,
                                [](const Range& r, uint64_t b) { return r.end < b; });
  if (first == ranges_.end() || first->begin > end) {
    ranges_.insert(first, Range{begin, end});
    return;
  }
  // Merge every range that overlaps or touches [begin, end) into *first.
  auto last = first;
  while (last + 1 != ranges_.end() && (last + 1)->begin <= end) ++last;
  first->begin = std::min(first->begin, begin);
  first->end = std::max(end, last->end);
  ranges_.erase(first + 1, last + 1);
}

void RangeSet::erase(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), begin,
                             [](uint64_t b, const Range& r) { return b < r.end; });
  if (it == ranges_.end() || it->begin >= end) return;
  if (it->begin < begin && it->end > end) {
    // [begin, end) lies inside one range: split it.
    const Range upper{end, it->end};
    it->end = begin;
    ranges_.insert(it + 1, upper);
    return;
  }
  if (it->begin < begin) {
    it->end = begin;  // keep the part below
    ++it;
  }
  auto covered_end = it;
  while (covered_end != ranges_.end() && covered_end->end <= end) ++covered_end;
  if (covered_end != ranges_.end() && covered_end->begin < end) covered_end->begin = end;
  ranges_.erase(it, covered_end);
}

void RangeSet::eraseBelow(uint64_t offset) {
  if (!ranges_.empty() && ranges_.front().begin < offset) erase(ranges_.front().begin, offset);
}

bool RangeSet::contains(uint64_t begin, uint64_t end) const {
  if (begin >= end) return true;
  const Range* r = firstEndingAfter(begin);
  return r != nullptr && r->begin <= begin && r->end >= end;
}

const RangeSet::Range* RangeSet::firstEndingAfter(uint64_t offset) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), offset,
                             [](uint64_t o, const Range& r) { return o < r.end; });
  return it == ranges_.end() ? nullptr : &*it;
}

uint64_t RangeSet::totalBytes() const {
  uint64_t total = 0;
  for (const Range& r : ranges_) total += r.end - r.begin;
  return total;
}

}  // namespace mqttd::simple
