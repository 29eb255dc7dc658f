#include "quic/ngtcp2/anti_replay_store.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(AntiReplayStoreTest, ASecondClientHelloWithTheSameKeyIsARepeat) {
  std::time_t now = 1000;
  AntiReplayStore store(10, [&] { return now; });
  EXPECT_EQ(store.add("hello-1", now + 10), AntiReplayStore::Result::kAdded);
  EXPECT_EQ(store.add("hello-1", now + 10), AntiReplayStore::Result::kSeen);
  EXPECT_EQ(store.add("hello-2", now + 10), AntiReplayStore::Result::kAdded);
  EXPECT_EQ(store.size(), 2u);
}

TEST(AntiReplayStoreTest, EntriesLeaveWithTheirWindow) {
  std::time_t now = 1000;
  AntiReplayStore store(10, [&] { return now; });
  ASSERT_EQ(store.add("a", 1010), AntiReplayStore::Result::kAdded);
  ASSERT_EQ(store.add("b", 1020), AntiReplayStore::Result::kAdded);
  now = 1010;  // a's window is over: GnuTLS itself refuses a ClientHello this old
  EXPECT_EQ(store.add("c", 1020), AntiReplayStore::Result::kAdded);
  EXPECT_EQ(store.size(), 2u);  // b and c
  EXPECT_EQ(store.add("b", 1030), AntiReplayStore::Result::kSeen);
}

TEST(AntiReplayStoreTest, AFullStoreRefusesRatherThanForgets) {
  std::time_t now = 1000;
  AntiReplayStore store(2, [&] { return now; });
  ASSERT_EQ(store.add("a", 1010), AntiReplayStore::Result::kAdded);
  ASSERT_EQ(store.add("b", 1010), AntiReplayStore::Result::kAdded);
  EXPECT_EQ(store.add("c", 1010), AntiReplayStore::Result::kFull);
  EXPECT_EQ(store.add("a", 1010), AntiReplayStore::Result::kSeen);
  now = 1011;
  EXPECT_EQ(store.add("c", 1021), AntiReplayStore::Result::kAdded);
}

}  // namespace
}  // namespace mqttd
