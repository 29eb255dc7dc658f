#include "route/handler_queue.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/log.h"
#include "route/callback_sink.h"
#include "route_test_support.h"

namespace mqttd {
namespace {

using namespace std::chrono_literals;
using test::waitFor;

// What a RecordingSink saw, shared with the test. While `blocked`, deliver() waits.
struct SinkLog {
  std::mutex mutex;
  std::condition_variable changed;
  bool blocked = false;
  int entered = 0;                  // deliver() calls begun
  std::vector<std::string> events;  // "deliver:<topic>" and "reopen", in order

  void release() {
    {
      std::lock_guard lock(mutex);
      blocked = false;
    }
    changed.notify_all();
  }
  int enteredNow() {
    std::lock_guard lock(mutex);
    return entered;
  }
  std::vector<std::string> eventsNow() {
    std::lock_guard lock(mutex);
    return events;
  }
};

class RecordingSink : public HandlerSink {
 public:
  explicit RecordingSink(std::shared_ptr<SinkLog> log) : log_(std::move(log)) {}
  Result<void, std::string> deliver(const Message& message) override {
    std::unique_lock lock(log_->mutex);
    ++log_->entered;
    log_->events.push_back("deliver:" + message.topic);
    log_->changed.wait(lock, [this] { return !log_->blocked; });
    return {};
  }
  void reopen() override {
    std::lock_guard lock(log_->mutex);
    log_->events.push_back("reopen");
  }

 private:
  std::shared_ptr<SinkLog> log_;
};

std::shared_ptr<const Message> msg(std::string topic, size_t payload_bytes = 1) {
  return std::make_shared<const Message>(
      test::sampleMessage(std::move(topic), std::string(payload_bytes, 'x')));
}

struct BlockedQueue {
  std::shared_ptr<SinkLog> log = std::make_shared<SinkLog>();
  std::unique_ptr<HandlerQueue> queue;

  // The queue's thread is inside deliver("m0") when this returns.
  BlockedQueue(uint32_t max_length, uint64_t max_bytes) {
    log->blocked = true;
    queue = std::make_unique<HandlerQueue>("h", "test", std::make_unique<RecordingSink>(log),
                                           max_length, max_bytes);
    EXPECT_TRUE(queue->offer(msg("m0")));
    EXPECT_TRUE(waitFor([&] { return log->enteredNow() == 1; }));
  }
  ~BlockedQueue() { log->release(); }
};

TEST(HandlerQueueTest, FullQueueDropsAndCounts) {
  BlockedQueue b(3, 1 << 20);
  EXPECT_TRUE(b.queue->offer(msg("m1")));
  EXPECT_TRUE(b.queue->offer(msg("m2")));
  EXPECT_TRUE(b.queue->offer(msg("m3")));
  EXPECT_FALSE(b.queue->offer(msg("m4")));
  EXPECT_FALSE(b.queue->offer(msg("m5")));
  EXPECT_EQ(b.queue->depth(), 3u);
  EXPECT_EQ(b.queue->dropped(), 2u);
  EXPECT_EQ(b.queue->delivered(), 0u);
  b.log->release();
  EXPECT_TRUE(waitFor([&] { return b.queue->delivered() == 4; }));
  EXPECT_EQ(b.queue->depth(), 0u);
  EXPECT_EQ(b.log->eventsNow(),
            (std::vector<std::string>{"deliver:m0", "deliver:m1", "deliver:m2", "deliver:m3"}));
  EXPECT_EQ(b.queue->errors(), 0u);
}

TEST(HandlerQueueTest, PayloadBytesAreBounded) {
  BlockedQueue b(100, 10);  // m0 (1 byte) is being delivered: it no longer counts
  EXPECT_TRUE(b.queue->offer(msg("a", 4)));
  EXPECT_TRUE(b.queue->offer(msg("b", 4)));
  EXPECT_FALSE(b.queue->offer(msg("c", 4)));  // 12 > 10
  EXPECT_TRUE(b.queue->offer(msg("d", 2)));   // exactly 10
  EXPECT_FALSE(b.queue->offer(msg("e", 1)));
  EXPECT_TRUE(b.queue->offer(msg("f", 0)));  // empty payloads cost nothing
  EXPECT_EQ(b.queue->depth(), 4u);
  EXPECT_EQ(b.queue->dropped(), 2u);
  b.log->release();
  EXPECT_TRUE(waitFor([&] { return b.queue->delivered() == 5; }));
  EXPECT_TRUE(b.queue->offer(msg("g", 10)));  // the bytes were given back
}

TEST(HandlerQueueTest, MessageLargerThanTheByteLimitIsDroppedEvenWhenEmpty) {
  auto log = std::make_shared<SinkLog>();
  HandlerQueue queue("h", "test", std::make_unique<RecordingSink>(log), 100, 10);
  EXPECT_FALSE(queue.offer(msg("big", 11)));
  EXPECT_EQ(queue.dropped(), 1u);
  EXPECT_TRUE(queue.offer(msg("fits", 10)));
  EXPECT_TRUE(waitFor([&] { return queue.delivered() == 1; }));
}

TEST(HandlerQueueTest, StopDeliversWhatIsQueuedWithinTheGrace) {
  BlockedQueue b(10, 1 << 20);
  for (const char* t : {"m1", "m2", "m3"}) EXPECT_TRUE(b.queue->offer(msg(t)));
  b.log->release();
  b.queue->stop(5s);
  EXPECT_EQ(b.queue->delivered(), 4u);
  EXPECT_EQ(b.queue->dropped(), 0u);
  EXPECT_FALSE(b.queue->offer(msg("late")));  // stopped: refused and counted
  EXPECT_EQ(b.queue->dropped(), 1u);
  b.queue->stop(5s);  // idempotent
}

TEST(HandlerQueueTest, StopDropsWhatTheGraceDoesNotCover) {
  // Room enough that only stop() makes offer() fail.
  BlockedQueue b(1000000000, uint64_t{1} << 60);
  for (const char* t : {"m1", "m2", "m3"}) EXPECT_TRUE(b.queue->offer(msg(t)));
  std::thread stopper([&] { b.queue->stop(0ms); });
  // offer() fails once stop() has begun; every probe is either refused or queued and then
  // abandoned, so each counts as one drop.
  const auto probe = msg("probe");
  uint64_t probes = 0;
  for (bool taken = true; taken;) {
    taken = b.queue->offer(probe);
    ++probes;
  }
  b.log->release();
  stopper.join();
  EXPECT_EQ(b.queue->delivered(), 1u);  // only m0, already in the sink
  EXPECT_EQ(b.queue->dropped(), 3u + probes);
  EXPECT_EQ(b.queue->depth(), 0u);
}

TEST(HandlerQueueTest, ReopenRunsOnTheThreadBeforeTheNextDelivery) {
  BlockedQueue b(10, 1 << 20);
  b.queue->requestReopen();
  EXPECT_TRUE(b.queue->offer(msg("m1")));
  b.log->release();
  EXPECT_TRUE(waitFor([&] { return b.queue->delivered() == 2; }));
  EXPECT_EQ(b.log->eventsNow(), (std::vector<std::string>{"deliver:m0", "reopen", "deliver:m1"}));
  b.queue->requestReopen();  // with nothing queued: runs anyway
  EXPECT_TRUE(waitFor([&] { return b.log->eventsNow().size() == 4; }));
  EXPECT_EQ(b.log->eventsNow().back(), "reopen");
}

TEST(HandlerQueueTest, ThrowingCallbackCountsErrorsAndLogsAtMostOncePerSecond) {
  Log::configure(LogLevel::kInfo, LogFormat::kText);
  testing::internal::CaptureStdout();
  {
    HandlerQueue queue("cb", "callback", std::make_unique<CallbackSink>([](const Message& m) {
                         if (m.topic == "bad") throw std::runtime_error("no good");
                       }),
                       100, 1 << 20);
    for (const char* t : {"bad", "ok", "bad", "bad", "ok"}) EXPECT_TRUE(queue.offer(msg(t)));
    EXPECT_TRUE(waitFor([&] { return queue.delivered() + queue.errors() == 5; }));
    EXPECT_EQ(queue.delivered(), 2u);
    EXPECT_EQ(queue.errors(), 3u);
    EXPECT_EQ(queue.dropped(), 0u);
  }
  const std::string out = testing::internal::GetCapturedStdout();
  const auto first = out.find(
      "handler delivery failed handler=cb type=callback "
      "error=\"no good\" suppressed=0");
  EXPECT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find("handler delivery failed", first + 1), std::string::npos) << out;
  EXPECT_NE(out.find("handler delivery errors not logged handler=cb type=callback suppressed=2"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace mqttd
