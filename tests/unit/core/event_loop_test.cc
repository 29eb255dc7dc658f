#include "core/event_loop.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

#include "core/clock.h"

namespace mqttd {
namespace {

TEST(EventLoopTest, TimerFiresAndRunReturnsWhenIdle) {
  EventLoop loop;
  int fired = 0;
  Timer timer(loop, [&] { ++fired; });
  timer.start(std::chrono::milliseconds(1));
  EXPECT_TRUE(timer.pending());
  loop.run();
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(timer.pending());
}

TEST(EventLoopTest, StoppedTimerDoesNotFire) {
  EventLoop loop;
  int fired = 0;
  Timer timer(loop, [&] { ++fired; });
  timer.start(std::chrono::milliseconds(1));
  timer.stop();
  loop.run();
  EXPECT_EQ(fired, 0);
}

TEST(EventLoopTest, StartAtAPastDeadlineFiresAndNoDeadlineStops) {
  EventLoop loop;
  int fired = 0;
  Timer timer(loop, [&] { ++fired; });
  timer.startAt(monotonicNanos() - 1);  // already due
  EXPECT_TRUE(timer.pending());
  loop.run();
  EXPECT_EQ(fired, 1);
  timer.start(std::chrono::seconds(60));
  timer.startAt(UINT64_MAX);  // no deadline: stopped, not armed for ~584 years
  EXPECT_FALSE(timer.pending());
  loop.run();
  EXPECT_EQ(fired, 1);
}

TEST(EventLoopTest, DeferredRunsOnceForManySchedulesInOneIteration) {
  EventLoop loop;
  int ran = 0;
  Deferred deferred(loop, [&] { ++ran; });
  Timer kick(loop, [&] {
    deferred.schedule();
    deferred.schedule();
    EXPECT_TRUE(deferred.pending());
    EXPECT_EQ(ran, 0);  // not inside the scheduling callback
  });
  kick.start(std::chrono::milliseconds(0));
  loop.run();
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(deferred.pending());
}

TEST(EventLoopTest, CancelledDeferredDoesNotRun) {
  EventLoop loop;
  int ran = 0;
  Deferred deferred(loop, [&] { ++ran; });
  deferred.schedule();
  deferred.cancel();
  loop.run();
  EXPECT_EQ(ran, 0);
  deferred.schedule();  // can be scheduled again after a cancel
  loop.run();
  EXPECT_EQ(ran, 1);
}

TEST(EventLoopTest, CallLaterFromAnotherThreadRunsOnLoop) {
  EventLoop loop;
  std::thread::id ran_on;
  Timer keepalive(loop, [] {});
  keepalive.start(std::chrono::seconds(10));
  std::thread other([&] {
    loop.callLater([&] {
      ran_on = std::this_thread::get_id();
      loop.stop();
    });
  });
  loop.run();
  other.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(EventLoopTest, CallLaterQueuedFromCallbackRunsInOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.callLater([&] {
    order.push_back(1);
    loop.callLater([&] { order.push_back(3); });
  });
  loop.callLater([&] { order.push_back(2); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

}  // namespace
}  // namespace mqttd
