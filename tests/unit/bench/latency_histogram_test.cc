// LatencyHistogram: bucket layout, percentiles against exact ones on synthetic data, merge.
#include "bench/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace mqttd::bench {
namespace {

uint64_t exactPercentile(std::vector<uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<uint64_t>(rank, 1, v.size());
  return v[rank - 1];
}

void expectWithinOnePercent(uint64_t got, uint64_t want) {
  const double tolerance = std::max(1.0, 0.01 * static_cast<double>(want));
  EXPECT_LE(std::fabs(static_cast<double>(got) - static_cast<double>(want)), tolerance)
      << "got " << got << " want " << want;
}

TEST(LatencyHistogramTest, BucketsCoverValuesContiguously) {
  for (uint64_t v :
       {0ull, 1ull, 127ull, 128ull, 129ull, 255ull, 256ull, 1000ull, 123456ull, (1ull << 40) - 1}) {
    const size_t b = LatencyHistogram::bucketOf(v);
    EXPECT_LE(LatencyHistogram::bucketLowest(b), v) << v;
    EXPECT_LT(v, LatencyHistogram::bucketLowest(b) + LatencyHistogram::bucketWidth(b)) << v;
  }
  for (size_t i = 0; i + 2 < LatencyHistogram::kBucketCount; ++i) {
    ASSERT_EQ(LatencyHistogram::bucketLowest(i) + LatencyHistogram::bucketWidth(i),
              LatencyHistogram::bucketLowest(i + 1))
        << i;
  }
  // Huge values land in the top bucket instead of out of range.
  EXPECT_EQ(LatencyHistogram::bucketOf(UINT64_MAX), LatencyHistogram::kBucketCount - 1);
}

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 50u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogramTest, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(42);
  // Log-normal around 2 ms with a long tail, like network latencies; plus a uniform set.
  std::lognormal_distribution<double> lognormal(std::log(2000.0), 1.0);
  std::uniform_int_distribution<uint64_t> uniform(1, 5'000'000);
  for (int set = 0; set < 2; ++set) {
    LatencyHistogram h;
    std::vector<uint64_t> samples;
    for (int i = 0; i < 200'000; ++i) {
      const uint64_t v = set == 0 ? static_cast<uint64_t>(lognormal(rng)) : uniform(rng);
      samples.push_back(v);
      h.record(v);
    }
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
      SCOPED_TRACE(q);
      expectWithinOnePercent(h.percentile(q), exactPercentile(samples, q));
    }
    EXPECT_EQ(h.max(), *std::max_element(samples.begin(), samples.end()));
  }
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 50'000; v += 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double q : {0.5, 0.99, 0.999}) EXPECT_EQ(a.percentile(q), all.percentile(q));
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(0.5), 0u);
}

}  // namespace
}  // namespace mqttd::bench
