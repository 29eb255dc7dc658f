#include "bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace mqttd::bench {

LatencyHistogram::LatencyHistogram() : buckets_(kBucketCount, 0) {}

size_t LatencyHistogram::bucketOf(uint64_t micros) {
  if (micros < kSubCount) return static_cast<size_t>(micros);      // linear region, exact
  unsigned e = static_cast<unsigned>(std::bit_width(micros)) - 1;  // 2^e <= micros
  if (e > kMaxExponent) return kBucketCount - 1;
  // Octave e (>= kSubBits) starts at index (e - kSubBits + 1) * kSubCount; within it the
  // kSubBits bits after the leading one pick the bucket.
  const uint64_t sub = (micros >> (e - kSubBits)) & (kSubCount - 1);
  return static_cast<size_t>((e - kSubBits + 1) * kSubCount + sub);
}

uint64_t LatencyHistogram::bucketLowest(size_t index) {
  if (index < kSubCount) return index;
  const unsigned e = static_cast<unsigned>(index / kSubCount) + kSubBits - 1;
  const uint64_t sub = index % kSubCount;
  return (uint64_t{1} << e) + (sub << (e - kSubBits));
}

uint64_t LatencyHistogram::bucketWidth(size_t index) {
  if (index < kSubCount) return 1;
  const unsigned e = static_cast<unsigned>(index / kSubCount) + kSubBits - 1;
  return uint64_t{1} << (e - kSubBits);
}

void LatencyHistogram::record(uint64_t micros) {
  ++buckets_[bucketOf(micros)];
  ++count_;
  min_ = std::min(min_, micros);
  max_ = std::max(max_, micros);
  sum_ += static_cast<double>(micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void LatencyHistogram::reset() {
  if (count_ == 0) return;
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the sample wanted, 1..count (nearest-rank definition).
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const uint64_t mid = bucketLowest(i) + bucketWidth(i) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace mqttd::bench
