// ExecSink: the `exec` handler; keeps `command` running (no shell) and writes one JSON line
// (messageToJson) per message to its stdin. Its stdout and stderr are the gateway's.
//
// The child is started by the constructor (so a program that cannot start shows in the log at
// start-up, not at the first message), and again by deliver() after it exited: starts are at
// least a backoff apart (kMinBackoff, doubling to kMaxBackoff; back to kMinBackoff once a child
// has run kStableRun). While the backoff runs, deliver() fails at once: the message is an error.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/unique_fd.h"
#include "route/handler_sink.h"

namespace mqttd {

class ExecSink : public HandlerSink {
 public:
  ExecSink(std::string handler, std::vector<std::string> command);
  // Closes the child's stdin, waits kExitWait for it to exit, then SIGTERM, kTermWait, SIGKILL;
  // always reaps it.
  ~ExecSink() override;
  ExecSink(const ExecSink&) = delete;
  ExecSink& operator=(const ExecSink&) = delete;

  Result<void, std::string> deliver(const Message& message) override;
  // A write waiting for a child that reads nothing gives up within kCancelSlice. Thread-safe.
  void cancel() override { cancelled_.store(true); }

  pid_t pid() const { return pid_; }  // the running child, -1 when none

  static constexpr std::chrono::milliseconds kMinBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{30000};
  static constexpr std::chrono::milliseconds kStableRun{10000};  // resets the backoff
  static constexpr std::chrono::milliseconds kExitWait{2000};    // after EOF, before SIGTERM
  static constexpr std::chrono::milliseconds kTermWait{1000};    // after SIGTERM, before SIGKILL
  // A child that takes no line for this long (its pipe full) is killed and restarted, so a
  // stuck child cannot hold the handler thread (and the gateway's shutdown) forever.
  static constexpr std::chrono::milliseconds kWriteTimeout{10000};
  static constexpr std::chrono::milliseconds kCancelSlice{100};  // writes check cancel()

 private:
  // Spawns the child; schedules the next allowed start either way.
  Result<void, std::string> start();
  // Reaps the child if it has exited (waitpid WNOHANG); true if it did.
  bool reapIfExited();
  // Closes stdin, waits `exit_wait` for an exit, then SIGTERM/SIGKILL; reaps. `expected`: the
  // gateway ends it (logged at info) rather than the child dying (warn).
  void stopChild(std::chrono::milliseconds exit_wait, bool expected);
  // Logs the exit (`status` from waitpid, -1: unknown) and resets the backoff if the child ran
  // kStableRun or longer.
  void noteExit(pid_t pid, int status, bool expected);
  // Writes all of `data` within kWriteTimeout; the error is an errno value (ETIMEDOUT: timeout,
  // ECANCELED: cancel()).
  Result<void, int> writeAll(std::string_view data);
  std::string commandText() const;

  const std::string handler_;               // the handler's name, for logs
  const std::vector<std::string> command_;  // argv; [0] is a path or a name looked up in PATH
  UniqueFd stdin_;                          // our end of the child's stdin pipe (non-blocking)
  pid_t pid_ = -1;                          // -1: no child
  uint64_t starts_ = 0;                     // successful starts, for logs
  std::chrono::steady_clock::time_point started_at_;  // of the running child
  std::chrono::steady_clock::time_point next_start_;  // no start attempt before this
  std::chrono::milliseconds backoff_ = kMinBackoff;   // between the next two start attempts
  std::atomic<bool> cancelled_{false};  // cancel() was called
};

}  // namespace mqttd
