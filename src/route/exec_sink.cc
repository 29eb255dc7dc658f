#include "route/exec_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "core/log.h"
#include "route/message_json.h"

extern char** environ;

namespace mqttd {
namespace {

using Clock = std::chrono::steady_clock;

// RAII for the two posix_spawn attribute objects.
class SpawnFileActions {
 public:
  SpawnFileActions() { ok_ = posix_spawn_file_actions_init(&actions_) == 0; }
  ~SpawnFileActions() {
    if (ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  bool ok_ = false;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { ok_ = posix_spawnattr_init(&attr_) == 0; }
  ~SpawnAttributes() {
    if (ok_) posix_spawnattr_destroy(&attr_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  bool ok() const { return ok_; }
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
  bool ok_ = false;
};

std::string describeStatus(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    return "signal " + std::to_string(WTERMSIG(status)) + " (" + (name ? name : "?") + ")";
  }
  return "status " + std::to_string(status);
}

long long millis(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

ExecSink::ExecSink(std::string handler, std::vector<std::string> command)
    : handler_(std::move(handler)), command_(std::move(command)) {
  next_start_ = Clock::now();
  auto started = start();
  if (!started) {
    Log::warn("exec handler cannot start its command; retrying with the next messages",
              {{"handler", handler_}, {"error", started.error()}});
  }
}

ExecSink::~ExecSink() {
  stopChild(kExitWait, true);
}

std::string ExecSink::commandText() const {
  std::string text;
  for (const auto& arg : command_) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

Result<void, std::string> ExecSink::start() {
  const auto now = Clock::now();
  next_start_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  if (command_.empty()) return fail(std::string("no command"));

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  if (read_end.get() <= STDERR_FILENO) {
    // dup2(fd, 0) with fd == 0 would keep FD_CLOEXEC: keep the child's end above 2.
    UniqueFd moved(fcntl(read_end.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
    if (!moved.valid()) return fail(std::string("fcntl: ") + std::strerror(errno));
    read_end = std::move(moved);
  }
  if (fcntl(write_end.get(), F_SETFL, O_NONBLOCK) != 0)
    return fail(std::string("fcntl: ") + std::strerror(errno));

  SpawnFileActions actions;
  SpawnAttributes attr;
  if (!actions.ok() || !attr.ok()) return fail(std::string("posix_spawn setup failed"));
  // stdin is the pipe; stdout and stderr are the gateway's; nothing else leaks into the child.
  if (posix_spawn_file_actions_adddup2(actions.get(), read_end.get(), STDIN_FILENO) != 0 ||
      posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1) != 0)
    return fail(std::string("posix_spawn file actions failed"));
  // The gateway ignores SIGPIPE and its threads may block signals; ignored dispositions and the
  // mask survive exec, so give the child the defaults.
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  if (posix_spawnattr_setsigdefault(attr.get(), &all) != 0 ||
      posix_spawnattr_setsigmask(attr.get(), &none) != 0 ||
      posix_spawnattr_setflags(attr.get(), POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) != 0)
    return fail(std::string("posix_spawn attributes failed"));

  std::vector<char*> argv;
  argv.reserve(command_.size() + 1);
  for (const auto& arg : command_) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], actions.get(), attr.get(), argv.data(), environ);
  if (rc != 0) return fail("cannot start " + command_[0] + ": " + std::strerror(rc));

  pid_ = pid;
  started_at_ = now;
  stdin_ = std::move(write_end);
  ++starts_;
  if (starts_ == 1) {
    Log::info("exec handler started",
              {{"handler", handler_}, {"pid", std::to_string(pid)}, {"command", commandText()}});
  } else {
    Log::warn(
        "exec handler restarted",
        {{"handler", handler_}, {"pid", std::to_string(pid)}, {"starts", std::to_string(starts_)}});
  }
  return {};
}

bool ExecSink::reapIfExited() {
  if (pid_ < 0) return false;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;  // still running
  // r < 0 (ECHILD): reaped elsewhere (SIGCHLD ignored); gone either way, status unknown.
  const pid_t pid = std::exchange(pid_, -1);
  stdin_.reset();
  noteExit(pid, r < 0 ? -1 : status, false);
  return true;
}

void ExecSink::stopChild(std::chrono::milliseconds exit_wait, bool expected) {
  stdin_.reset();  // EOF on the child's stdin
  if (pid_ < 0) return;
  const pid_t pid = std::exchange(pid_, -1);
  int status = 0;
  // true once reaped (or not ours to reap any more).
  const auto waitUntil = [&](Clock::time_point deadline) {
    for (;;) {
      const pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) return true;
      if (r < 0 && errno != EINTR) {
        status = -1;
        return true;
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  if (!waitUntil(Clock::now() + exit_wait)) {
    (void)kill(pid, SIGTERM);
    if (!waitUntil(Clock::now() + kTermWait)) {
      (void)kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  noteExit(pid, status, expected);
}

void ExecSink::noteExit(pid_t pid, int status, bool expected) {
  const auto now = Clock::now();
  const auto ran = now - started_at_;
  if (ran >= kStableRun) {
    backoff_ = kMinBackoff;
    next_start_ = now;
  }
  const std::string how = status == -1 ? "unknown status" : describeStatus(status);
  if (expected) {
    Log::info("exec handler stopped",
              {{"handler", handler_}, {"pid", std::to_string(pid)}, {"status", how}});
  } else {
    Log::warn("exec handler child exited",
              {{"handler", handler_},
               {"pid", std::to_string(pid)},
               {"status", how},
               {"ran_ms", std::to_string(millis(ran))},
               {"next_start_ms", std::to_string(std::max(0LL, millis(next_start_ - now)))}});
  }
}

Result<void, int> ExecSink::writeAll(std::string_view data) {
  const auto deadline = Clock::now() + kWriteTimeout;
  while (!data.empty()) {
    const ssize_t n = ::write(stdin_.get(), data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return fail(errno);
    if (cancelled_.load()) return fail(ECANCELED);
    const auto left = std::min<Clock::duration>(deadline - Clock::now(), kCancelSlice);
    if (left <= Clock::duration::zero()) return fail(ETIMEDOUT);
    pollfd pfd{stdin_.get(), POLLOUT, 0};
    // Round up so that a sub-millisecond rest does not spin; at most a slice, to see cancel().
    (void)poll(&pfd, 1, static_cast<int>(millis(left)) + 1);
  }
  return {};
}

Result<void, std::string> ExecSink::deliver(const Message& message) {
  (void)reapIfExited();
  if (pid_ < 0) {
    const auto now = Clock::now();
    if (now < next_start_) {
      return fail("command not running (next start in " +
                  std::to_string(millis(next_start_ - now)) + " ms)");
    }
    auto started = start();
    if (!started) return started;
  }
  std::string line = messageToJson(message);
  line += '\n';
  auto written = writeAll(line);
  if (written) return {};
  const int err = written.error();
  if (err == ETIMEDOUT) {
    Log::warn("exec handler child takes no input; killing it",
              {{"handler", handler_},
               {"pid", std::to_string(pid_)},
               {"waited_ms", std::to_string(kWriteTimeout.count())}});
    stopChild(std::chrono::milliseconds(0), false);
    return fail("command took no input for " + std::to_string(kWriteTimeout.count()) + " ms");
  }
  if (err == ECANCELED) return fail(std::string("cancelled (handler stopping)"));
  stopChild(kExitWait, false);
  if (err == EPIPE) return fail(std::string("command exited (closed its stdin)"));
  return fail(std::string("write to command: ") + std::strerror(err));
}

}  // namespace mqttd
