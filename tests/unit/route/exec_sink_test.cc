#include "route/exec_sink.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <fstream>

#include "core/log.h"
#include "route/handler_queue.h"
#include "route/message_json.h"
#include "route/sink_factory.h"
#include "route_test_support.h"

namespace mqttd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::readLines;
using test::sampleMessage;
using test::waitFor;

// The process has exited: a zombie waiting to be reaped, or gone.
bool exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

bool reaped(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ExecSinkTest : public testing::Test {
 protected:
  void SetUp() override { Log::configure(LogLevel::kInfo, LogFormat::kText); }
  test::ScratchDir dir_;
};

TEST_F(ExecSinkTest, WritesOneJsonLinePerMessageToTheChildsStdin) {
  const std::string out = dir_.file("out.jsonl");
  ExecSink sink("x", {"/bin/sh", "-c", "cat >> \"$0\"", out});
  EXPECT_GT(sink.pid(), 0);  // started by the constructor
  const Message m1 = sampleMessage("a", "1");
  const Message m2 = sampleMessage("b", std::string("\xFF", 1));
  const Message m3 = sampleMessage("c", std::string(100000, 'z'));  // more than a pipe holds
  ASSERT_TRUE(sink.deliver(m1).ok());
  ASSERT_TRUE(sink.deliver(m2).ok());
  ASSERT_TRUE(sink.deliver(m3).ok());
  ASSERT_TRUE(waitFor([&] { return test::completeLines(out) == 3; }));
  const auto lines = readLines(out);
  EXPECT_EQ(lines[0], messageToJson(m1));
  EXPECT_EQ(lines[1], messageToJson(m2));
  EXPECT_EQ(lines[2], messageToJson(m3));
}

TEST_F(ExecSinkTest, DestructorClosesStdinAndReapsTheChild) {
  pid_t pid = -1;
  const auto begin = Clock::now();
  {
    ExecSink sink("x", {"cat"});  // looked up in PATH; exits at EOF
    pid = sink.pid();
    ASSERT_GT(pid, 0);
  }
  EXPECT_LT(Clock::now() - begin, ExecSink::kExitWait);
  EXPECT_TRUE(reaped(pid));
}

TEST_F(ExecSinkTest, DestructorKillsAChildThatIgnoresEofAndSigterm) {
  const std::string ready = dir_.file("ready");
  pid_t pid = -1;
  testing::internal::CaptureStdout();
  Clock::time_point begin;
  {
    ExecSink sink("x", {"/bin/sh", "-c", "trap '' TERM; : > \"$0\"; exec sleep 1000", ready});
    pid = sink.pid();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(waitFor([&] { return std::ifstream(ready).good(); }));
    begin = Clock::now();
  }
  const auto took = Clock::now() - begin;
  const std::string log = testing::internal::GetCapturedStdout();
  EXPECT_GE(took, ExecSink::kExitWait + ExecSink::kTermWait - 100ms);
  EXPECT_LT(took, ExecSink::kExitWait + ExecSink::kTermWait + 2s);
  EXPECT_TRUE(reaped(pid));
  EXPECT_NE(log.find("exec handler stopped handler=x pid=" + std::to_string(pid) +
                     " status=\"signal 9 (Killed)\""),
            std::string::npos)
      << log;
}

TEST_F(ExecSinkTest, RestartsAChildThatExited) {
  const std::string out = dir_.file("out.jsonl");
  // Takes one line, appends it, exits (sh's read takes no more than the line).
  ExecSink sink("x", {"/bin/sh", "-c", "read -r line; printf '%s\\n' \"$line\" >> \"$0\"", out});
  testing::internal::CaptureStdout();
  const Message m1 = sampleMessage("one");
  const Message m2 = sampleMessage("two");
  ASSERT_TRUE(sink.deliver(m1).ok());
  const pid_t first = sink.pid();
  ASSERT_GT(first, 0);
  ASSERT_TRUE(waitFor([&] { return exited(first); }));
  // Until the backoff since the first start has passed, deliver() fails at once.
  bool delivered = false;
  ASSERT_TRUE(waitFor([&] { return delivered = sink.deliver(m2).ok(); }));
  EXPECT_GT(sink.pid(), 0);
  EXPECT_NE(sink.pid(), first);
  EXPECT_TRUE(reaped(first));
  ASSERT_TRUE(waitFor([&] { return test::completeLines(out) == 2; }));
  const std::string log = testing::internal::GetCapturedStdout();
  EXPECT_EQ(readLines(out)[0], messageToJson(m1));
  EXPECT_EQ(readLines(out)[1], messageToJson(m2));
  EXPECT_NE(log.find("exec handler child exited handler=x pid=" + std::to_string(first) +
                     " status=\"exit code 0\""),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("exec handler restarted handler=x"), std::string::npos) << log;
}

TEST_F(ExecSinkTest, BacksOffBetweenStartsOfAChildThatKeepsExiting) {
  testing::internal::CaptureStdout();
  size_t failures = 0;
  Clock::duration slowest{};
  const auto begin = Clock::now();
  {
    ExecSink sink("x", {"false"});
    while (Clock::now() - begin < 1400ms) {
      const auto t = Clock::now();
      if (!sink.deliver(sampleMessage()).ok()) ++failures;
      slowest = std::max(slowest, Clock::now() - t);
      std::this_thread::sleep_for(5ms);  // the message rate, not synchronisation
    }
  }
  const std::string log = testing::internal::GetCapturedStdout();
  // Starts at 0 and then at least 100, 200, 400 ms apart: at most 3 restarts within 1.4 s,
  // where a child restarted per message would have hundreds.
  const size_t restarts = count(log, "exec handler restarted");
  EXPECT_GE(restarts, 1u) << log;
  EXPECT_LE(restarts, 3u) << log;
  EXPECT_GT(failures, 100u);
  EXPECT_LT(slowest, 1s);  // never waits the backoff out
}

TEST_F(ExecSinkTest, MissingProgramIsAnErrorNotACrash) {
  HandlerConfig config;
  config.name = "x";
  config.type = HandlerType::kExec;
  config.command = {"/nonexistent/mqttd-no-such-program", "arg"};
  testing::internal::CaptureStdout();
  auto sink = makeSink(config);  // not an error here: retried while messages come
  ASSERT_TRUE(sink.ok()) << sink.error();
  for (int i = 0; i < 10; ++i) {
    const auto t = Clock::now();
    const auto r = (*sink)->deliver(sampleMessage());
    ASSERT_FALSE(r.ok());
    EXPECT_LT(Clock::now() - t, 100ms);
  }
  // Once the backoff has passed, the next start is tried and fails with the reason.
  std::string error;
  ASSERT_TRUE(waitFor([&] {
    const auto r = (*sink)->deliver(sampleMessage());
    error = r.ok() ? "" : r.error();
    return error.find("No such file or directory") != std::string::npos;
  }));
  EXPECT_EQ(error, "cannot start /nonexistent/mqttd-no-such-program: No such file or directory");
  const std::string log = testing::internal::GetCapturedStdout();
  EXPECT_NE(log.find("exec handler cannot start its command"), std::string::npos) << log;
}

TEST_F(ExecSinkTest, FactoryRefusesAnEmptyCommand) {
  HandlerConfig config;
  config.name = "x";
  config.type = HandlerType::kExec;
  auto sink = makeSink(config);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.error(), "handler 'x': exec needs a command");
}

// A child that takes no input blocks a big write for up to kWriteTimeout (10 s); a stopping
// queue cancels it after its grace instead.
TEST_F(ExecSinkTest, StoppingTheQueueCancelsAWriteToAChildThatReadsNothing) {
  auto sink = std::make_unique<ExecSink>("x", std::vector<std::string>{"/bin/sleep", "60"});
  HandlerQueue queue("x", "exec", std::move(sink), 10, 1 << 22);
  ASSERT_TRUE(queue.offer(std::make_shared<const Message>(sampleMessage("a", std::string(1 << 20, 'z')))));
  const auto begin = Clock::now();
  queue.stop(200ms);
  EXPECT_LT(Clock::now() - begin, 5s);  // not the 10 s write timeout
  EXPECT_EQ(queue.errors(), 1u);
}

}  // namespace
}  // namespace mqttd
