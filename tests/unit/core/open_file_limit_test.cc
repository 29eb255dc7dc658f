#include "core/open_file_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace mqttd {
namespace {

// Lowers the soft limit for one test and puts it back (lowering the soft limit and raising it
// again up to the hard limit needs no privilege).
class LowSoftLimit {
 public:
  explicit LowSoftLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit low{soft, saved_.rlim_max};
    ok_ = setrlimit(RLIMIT_NOFILE, &low) == 0;
  }
  ~LowSoftLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }
  rlim_t hard() const { return saved_.rlim_max; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST(OpenFileLimitTest, RaisesTheSoftLimitToTheHardLimit) {
  LowSoftLimit low(64);
  ASSERT_TRUE(low.ok());
  if (low.hard() == RLIM_INFINITY) GTEST_SKIP() << "hard limit unlimited here";
  const OpenFileLimit limit = OpenFileLimit::raiseToHard();
  EXPECT_TRUE(limit.error.empty()) << limit.error;
  EXPECT_EQ(limit.before, 64u);
  EXPECT_EQ(limit.soft, low.hard());
  EXPECT_EQ(limit.hard, low.hard());
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, low.hard());
}

TEST(OpenFileLimitTest, LeavesALimitAlreadyAtTheHardLimit) {
  LowSoftLimit low(64);
  ASSERT_TRUE(low.ok());
  (void)OpenFileLimit::raiseToHard();
  const OpenFileLimit again = OpenFileLimit::raiseToHard();
  EXPECT_TRUE(again.error.empty()) << again.error;
  EXPECT_EQ(again.before, again.soft);
}

TEST(OpenFileLimitTest, NeedsTwoPerClientAndAReserve) {
  EXPECT_EQ(OpenFileLimit::neededFor(0), OpenFileLimit::kReserve);
  EXPECT_EQ(OpenFileLimit::neededFor(10000), 20000 + OpenFileLimit::kReserve);
}

}  // namespace
}  // namespace mqttd
