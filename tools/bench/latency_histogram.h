// LatencyHistogram: a log-linear histogram of latencies in microseconds (HDR-style), fixed
// size, mergeable, no allocation per sample: record() is a few shifts and one increment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mqttd::bench {

class LatencyHistogram {
 public:
  // Each power-of-two range [2^e, 2^(e+1)) is cut into 2^kSubBits linear buckets, so a bucket
  // is at most 1/128 of its value wide; percentiles report the bucket midpoint, which is
  // within 0.4% of any value in it. Values below 2^kSubBits us are exact.
  static constexpr unsigned kSubBits = 7;
  static constexpr uint64_t kSubCount = uint64_t{1} << kSubBits;  // 128 buckets per octave
  // Largest value kept apart: 2^40 us (about 12.7 days); larger samples land in the top bucket
  // (max() still reports them exactly).
  static constexpr unsigned kMaxExponent = 40;
  static constexpr size_t kBucketCount = (kMaxExponent - kSubBits + 2) * kSubCount;

  LatencyHistogram();  // allocates the bucket table once (about 35 KiB)

  void record(uint64_t micros);
  // Adds every sample of `other` (same layout by construction).
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }  // us, exact
  uint64_t max() const { return max_; }                    // us, exact
  double mean() const;                                     // us, exact (sum / count)
  // The value at quantile q in [0, 1] (0.5 = p50, 0.999 = p999), in us: the midpoint of the
  // bucket holding the ceil(q * count)-th smallest sample, clamped to [min, max]. 0 if empty.
  uint64_t percentile(double q) const;

  // Bucket index of a value and the value range [lowest, lowest + width) of a bucket; public
  // for tests.
  static size_t bucketOf(uint64_t micros);
  static uint64_t bucketLowest(size_t index);
  static uint64_t bucketWidth(size_t index);

 private:
  std::vector<uint64_t> buckets_;  // kBucketCount sample counts
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;  // us
  uint64_t max_ = 0;           // us
  // Sum of samples in us; a double so that 2^64 us of total latency cannot overflow it.
  double sum_ = 0;
};

}  // namespace mqttd::bench
