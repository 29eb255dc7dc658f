// SequenceTracker: gaps and duplicates per publisher.
#include "bench/sequence_tracker.h"

#include <gtest/gtest.h>

namespace mqttd::bench {
namespace {

TEST(SequenceTrackerTest, InOrderHasNoGaps) {
  SequenceTracker t;
  for (uint32_t s = 0; s < 100; ++s) {
    auto o = t.observe(1, s);
    EXPECT_EQ(o.gap, 0u);
    EXPECT_FALSE(o.duplicate);
  }
  EXPECT_EQ(t.gaps(), 0u);
  EXPECT_EQ(t.duplicates(), 0u);
}

TEST(SequenceTrackerTest, FirstMessageIsTheBaseline) {
  SequenceTracker t;
  EXPECT_EQ(t.observe(1, 500).gap, 0u);  // joined late: not a gap
  EXPECT_EQ(t.observe(1, 501).gap, 0u);
}

TEST(SequenceTrackerTest, CountsGapsAndDuplicatesPerPublisher) {
  SequenceTracker t;
  (void)t.observe(1, 0);
  (void)t.observe(2, 0);
  EXPECT_EQ(t.observe(1, 3).gap, 2u);      // 1 and 2 missing
  EXPECT_TRUE(t.observe(1, 3).duplicate);  // again
  EXPECT_TRUE(t.observe(1, 2).duplicate);  // late
  EXPECT_EQ(t.observe(2, 1).gap, 0u);      // publisher 2 unaffected
  EXPECT_EQ(t.gaps(), 2u);
  EXPECT_EQ(t.duplicates(), 2u);
  EXPECT_EQ(t.publishers(), 2u);
}

TEST(SequenceTrackerTest, WrapIsNotAGap) {
  SequenceTracker t;
  (void)t.observe(9, 0xffff'fffeu);
  EXPECT_EQ(t.observe(9, 0xffff'ffffu).gap, 0u);
  EXPECT_EQ(t.observe(9, 0).gap, 0u);
  EXPECT_EQ(t.gaps(), 0u);
}

}  // namespace
}  // namespace mqttd::bench
