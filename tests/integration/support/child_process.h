// ChildProcess: a program started by a test, with its stdout and stderr captured.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mqttd::test {

class ChildProcess {
 public:
  // Starts argv[0] (searched in PATH). stdout is read through a pipe (readLine) unless
  // `stdout_path` names a file to append it to; stderr goes to `stderr_path` when given, else
  // into the stdout pipe/file. Files never block a chatty child the way a full pipe would.
  explicit ChildProcess(std::vector<std::string> argv, std::string stderr_path = "",
                        std::string stdout_path = "");
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signum) const;
  // Exit status (or 128+signal) once it exits within `timeout`; nullopt if still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

  // One line of stdout (without '\n'), or nullopt at EOF or timeout.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  // Reads stdout until a line contains `needle`; returns that line.
  std::optional<std::string> waitForLine(const std::string& needle,
                                         std::chrono::milliseconds timeout);
  // Everything on stdout until EOF (or timeout).
  std::string readAll(std::chrono::milliseconds timeout);
  // All stdout read so far, including lines returned by readLine.
  const std::string& outputSoFar() const { return seen_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string pending_;  // read but not yet returned
  std::string seen_;
  bool eof_ = false;
  std::optional<int> status_;
};

}  // namespace mqttd::test
