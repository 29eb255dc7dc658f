#include "core/connection_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mqttd {
namespace {

TEST(ConnectionBudget, AcquiresUpToTheLimitAndReleases) {
  ConnectionBudget budget;
  EXPECT_TRUE(budget.tryAcquire(2));
  EXPECT_TRUE(budget.tryAcquire(2));
  EXPECT_FALSE(budget.tryAcquire(2));
  EXPECT_EQ(budget.current(), 2u);
  budget.release();
  EXPECT_EQ(budget.current(), 1u);
  EXPECT_TRUE(budget.tryAcquire(2));
}

TEST(ConnectionBudget, ALowerLimitAfterAReloadRefusesUntilBelowIt) {
  ConnectionBudget budget;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(budget.tryAcquire(10));
  EXPECT_FALSE(budget.tryAcquire(3));  // over the new limit: refused, nothing taken
  EXPECT_EQ(budget.current(), 5u);
}

// Several workers racing for the last slots never take more than the limit together.
TEST(ConnectionBudget, ThreadsNeverExceedTheLimit) {
  ConnectionBudget budget;
  constexpr size_t kLimit = 1000;
  std::vector<std::thread> threads;
  std::vector<size_t> taken(4, 0);
  for (size_t t = 0; t < taken.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i)
        if (budget.tryAcquire(kLimit)) ++taken[t];
    });
  for (auto& thread : threads) thread.join();
  size_t total = 0;
  for (size_t n : taken) total += n;
  EXPECT_EQ(total, kLimit);
  EXPECT_EQ(budget.current(), kLimit);
}

}  // namespace
}  // namespace mqttd
