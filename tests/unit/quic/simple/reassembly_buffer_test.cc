// ReassemblyBuffer, and the RangeSet it (and SimpleConnection) keeps offsets in.
#include "quic/simple/reassembly_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "quic/simple/range_set.h"

namespace mqttd::simple {
namespace {

using Range = RangeSet::Range;

std::vector<Range> rangesOf(const RangeSet& s) {
  return {s.ranges().begin(), s.ranges().end()};
}

TEST(RangeSet, InsertMergesOverlappingAndAdjacentRanges) {
  RangeSet s;
  s.insert(10, 20);
  s.insert(30, 40);
  s.insert(0, 5);
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{0, 5}, {10, 20}, {30, 40}}));
  s.insert(20, 25);  // adjacent
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{0, 5}, {10, 25}, {30, 40}}));
  s.insert(3, 32);  // spans three
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{0, 40}}));
  s.insert(50, 50);  // empty: ignored
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.totalBytes(), 40u);
}

TEST(RangeSet, EraseSplitsAndTrims) {
  RangeSet s;
  s.insert(0, 100);
  s.erase(10, 20);
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{0, 10}, {20, 100}}));
  s.insert(200, 300);
  s.erase(50, 250);
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{0, 10}, {20, 50}, {250, 300}}));
  s.erase(0, 10);
  s.erase(260, 400);
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{20, 50}, {250, 260}}));
  s.eraseBelow(30);
  EXPECT_EQ(rangesOf(s), (std::vector<Range>{{30, 50}, {250, 260}}));
  s.erase(100, 200);  // nothing there
  EXPECT_EQ(s.size(), 2u);
}

TEST(RangeSet, LookupAndContainment) {
  RangeSet s;
  s.insert(10, 20);
  s.insert(30, 40);
  EXPECT_TRUE(s.contains(12, 20));
  EXPECT_FALSE(s.contains(15, 31));
  EXPECT_TRUE(s.contains(5, 5));
  ASSERT_NE(s.firstEndingAfter(19), nullptr);
  EXPECT_EQ(*s.firstEndingAfter(19), (Range{10, 20}));
  EXPECT_EQ(*s.firstEndingAfter(20), (Range{30, 40}));
  EXPECT_EQ(s.firstEndingAfter(40), nullptr);
}

TEST(RangeSet, MatchesABitmapUnderRandomOperations) {
  std::mt19937 rng(7);
  RangeSet s;
  std::vector<bool> bits(500);
  for (int i = 0; i < 5000; ++i) {
    const uint64_t a = rng() % 500;
    const uint64_t b = std::min<uint64_t>(500, a + rng() % 40);
    const bool add = rng() % 3 != 0;
    if (add)
      s.insert(a, b);
    else
      s.erase(a, b);
    for (uint64_t k = a; k < b; ++k) bits[k] = add;
  }
  std::vector<bool> from_set(500);
  for (const Range& r : s.ranges()) {
    ASSERT_LT(r.begin, r.end);
    for (uint64_t k = r.begin; k < r.end; ++k) from_set[k] = true;
  }
  EXPECT_EQ(from_set, bits);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_LT(s.ranges()[i - 1].end, s.ranges()[i].begin);
}

// Collects what the buffer delivers.
class Collector : public ReassemblyBuffer::Sink {
 public:
  void onData(std::span<const uint8_t> data, bool fin) override {
    EXPECT_FALSE(fin_) << "data after the FIN";
    bytes.insert(bytes.end(), data.begin(), data.end());
    if (fin) fin_ = true;
    ++calls;
  }
  bool fin() const { return fin_; }
  std::vector<uint8_t> bytes;
  size_t calls = 0;

 private:
  bool fin_ = false;
};

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + i / 251);
  return v;
}

std::span<const uint8_t> slice(const std::vector<uint8_t>& v, size_t from, size_t len) {
  return {v.data() + from, len};
}

TEST(ReassemblyBuffer, InOrderDataGoesStraightThrough) {
  ReassemblyBuffer b(1024);
  Collector c;
  const auto data = pattern(100);
  ASSERT_TRUE(b.insert(0, slice(data, 0, 60), false, 1024, c).ok());
  ASSERT_TRUE(b.insert(60, slice(data, 60, 40), true, 1024, c).ok());
  EXPECT_EQ(c.bytes, data);
  EXPECT_TRUE(c.fin());
  EXPECT_EQ(c.calls, 2u);
  EXPECT_EQ(b.capacity(), 0u);  // no ring was needed
  EXPECT_TRUE(b.finDelivered());
}

TEST(ReassemblyBuffer, EarlyDataWaitsForTheHole) {
  ReassemblyBuffer b(1024);
  Collector c;
  const auto data = pattern(300);
  ASSERT_TRUE(b.insert(200, slice(data, 200, 100), false, 1024, c).ok());
  ASSERT_TRUE(b.insert(100, slice(data, 100, 50), false, 1024, c).ok());
  EXPECT_TRUE(c.bytes.empty());
  EXPECT_EQ(b.holes(), 2u);
  EXPECT_EQ(b.bufferedBytes(), 150u);
  ASSERT_TRUE(b.insert(0, slice(data, 0, 120), false, 1024, c).ok());  // overlaps the kept 100..150
  EXPECT_EQ(c.bytes, std::vector<uint8_t>(data.begin(), data.begin() + 150));
  ASSERT_TRUE(b.insert(150, slice(data, 150, 50), false, 1024, c).ok());
  EXPECT_EQ(c.bytes, data);
  EXPECT_EQ(b.holes(), 0u);
  EXPECT_EQ(b.capacity(), 0u);  // the ring is given back once empty
}

TEST(ReassemblyBuffer, DuplicatesAreDeliveredOnce) {
  ReassemblyBuffer b(1024);
  Collector c;
  const auto data = pattern(100);
  ASSERT_TRUE(b.insert(0, slice(data, 0, 50), false, 1024, c).ok());
  ASSERT_TRUE(b.insert(0, slice(data, 0, 50), false, 1024, c).ok());
  ASSERT_TRUE(b.insert(70, slice(data, 70, 30), false, 1024, c).ok());
  ASSERT_TRUE(b.insert(70, slice(data, 70, 30), false, 1024, c).ok());
  ASSERT_TRUE(b.insert(20, slice(data, 20, 60), false, 1024, c).ok());
  EXPECT_EQ(c.bytes, data);
}

TEST(ReassemblyBuffer, TheFinMayArriveFirstOrAlone) {
  ReassemblyBuffer b(1024);
  Collector c;
  const auto data = pattern(10);
  ASSERT_TRUE(b.insert(10, {}, true, 1024, c).ok());  // bare FIN before the data
  EXPECT_TRUE(b.hasFinalSize());
  EXPECT_FALSE(c.fin());
  ASSERT_TRUE(b.insert(0, slice(data, 0, 10), false, 1024, c).ok());
  EXPECT_TRUE(c.fin());
  EXPECT_EQ(c.bytes, data);
  // A FIN repeated later is fine and reported no more.
  ASSERT_TRUE(b.insert(10, {}, true, 1024, c).ok());
  EXPECT_EQ(c.calls, 1u);
}

TEST(ReassemblyBuffer, AFinAfterAllDataIsDeliveredAlone) {
  ReassemblyBuffer b(1024);
  Collector c;
  const auto data = pattern(10);
  ASSERT_TRUE(b.insert(0, slice(data, 0, 10), false, 1024, c).ok());
  EXPECT_FALSE(c.fin());
  ASSERT_TRUE(b.insert(10, {}, true, 1024, c).ok());
  EXPECT_TRUE(c.fin());
  EXPECT_EQ(c.calls, 2u);
}

TEST(ReassemblyBuffer, FinalSizeRules) {
  // §4.2: nothing beyond the final size, no other final size, none below data received.
  const auto data = pattern(100);
  {
    ReassemblyBuffer b(1024);
    Collector c;
    ASSERT_TRUE(b.insert(50, slice(data, 50, 10), true, 1024, c).ok());
    auto r = b.insert(55, slice(data, 55, 10), false, 1024, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kBeyondFinalSize);
    r = b.insert(40, slice(data, 40, 10), true, 1024, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kFinalSizeChanged);
    EXPECT_TRUE(b.insert(40, slice(data, 40, 10), false, 1024, c).ok());  // inside: fine
  }
  {
    ReassemblyBuffer b(1024);
    Collector c;
    ASSERT_TRUE(b.insert(80, slice(data, 80, 20), false, 1024, c).ok());
    auto r = b.insert(0, slice(data, 0, 50), true, 1024, c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kFinalSizeChanged);
    EXPECT_FALSE(b.hasFinalSize());  // a refused frame leaves no trace
    EXPECT_TRUE(c.bytes.empty());
  }
}

TEST(ReassemblyBuffer, DataPastTheLimitIsAFlowControlError) {
  ReassemblyBuffer b(1024);
  Collector c;
  const auto data = pattern(2000);
  EXPECT_TRUE(b.insert(1000, slice(data, 1000, 24), false, 1024, c).ok());
  auto r = b.insert(1000, slice(data, 1000, 25), false, 1024, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kBeyondLimit);
  // Beyond 2^62 whatever the limit says.
  r = b.insert(uint64_t{1} << 62, slice(data, 0, 1), false, UINT64_MAX, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kBeyondLimit);
  // And never more than the window past the delivered offset, even with a lax limit.
  r = b.insert(1500, slice(data, 1500, 10), false, 4096, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kBeyondLimit);
}

TEST(ReassemblyBuffer, TheRingNeverExceedsTheWindow) {
  const uint64_t window = 10000;  // not a power of two
  ReassemblyBuffer b(window);
  Collector c;
  const auto data = pattern(window);
  ASSERT_TRUE(b.insert(window - 100, slice(data, window - 100, 100), false, window, c).ok());
  ASSERT_TRUE(b.insert(5000, slice(data, 5000, 100), false, window, c).ok());
  EXPECT_LE(b.capacity(), window);
  ASSERT_TRUE(b.insert(0, slice(data, 0, 5000), false, window, c).ok());
  EXPECT_EQ(c.bytes.size(), 5100u);
}

TEST(ReassemblyBuffer, AFragmentingPeerIsHeldAtTheHoleLimit) {
  const uint64_t window = 1 << 20;
  ReassemblyBuffer b(window);
  Collector c;
  const auto data = pattern(4);
  for (size_t i = 0; i < ReassemblyBuffer::kMaxHoles; ++i) {
    ASSERT_TRUE(b.insert(2 * i + 2, slice(data, 0, 1), false, window, c).ok());
  }
  auto r = b.insert(2 * ReassemblyBuffer::kMaxHoles + 2, slice(data, 0, 1), false, window, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ReassemblyBuffer::Error::kTooFragmented);
  // Data that extends a kept range is still taken.
  EXPECT_TRUE(b.insert(3, slice(data, 0, 1), false, window, c).ok());
}

TEST(ReassemblyBuffer, RandomArrivalOrderDeliversEverythingOnceInOrder) {
  // Chunks of a 200 KB stream in random order, with duplicates and overlaps, through a
  // 16 KB window that the reader consumes as it goes.
  const uint64_t window = 16384;
  const auto data = pattern(200000);
  std::mt19937 rng(42);
  ReassemblyBuffer b(window);
  Collector c;
  uint64_t sent = 0;
  size_t guard = 0;
  while (!c.fin() && ++guard < 1000000) {
    // A random chunk inside [delivered, delivered + window).
    const uint64_t base = b.delivered();
    const uint64_t offset = base + (rng() % 12000);
    if (offset >= data.size()) continue;
    const uint64_t len =
        std::min<uint64_t>({rng() % 1500 + 1, data.size() - offset, base + window - offset});
    const bool fin = offset + len == data.size();
    ASSERT_TRUE(b.insert(offset, slice(data, offset, len), fin, base + window, c).ok());
    sent += len;
    // Sometimes the in-order chunk, so the stream makes progress.
    if (rng() % 4 == 0 && base < data.size()) {
      const uint64_t l = std::min<uint64_t>(1000, data.size() - base);
      ASSERT_TRUE(
          b.insert(base, slice(data, base, l), base + l == data.size(), base + window, c).ok());
    }
  }
  EXPECT_TRUE(c.fin());
  EXPECT_EQ(c.bytes, data);
  EXPECT_GT(sent, data.size());
  EXPECT_LE(b.capacity(), window);
}

}  // namespace
}  // namespace mqttd::simple
