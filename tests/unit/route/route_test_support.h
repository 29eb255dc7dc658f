// Helpers for the route unit tests (their scratch directory is ../scratch_dir.h): file reading, waiting for a condition
// with a deadline, a sample message. Also ignores SIGPIPE for the whole test binary, as the
// gateway does (exec and webhook sinks write to pipes and sockets whose reader may be gone).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "../scratch_dir.h"
#include "mqttd/message.h"

namespace mqttd::test {

inline const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> readLines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(readFile(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Complete lines (ended by '\n') in the file; a writer may be in the middle of the next one.
inline size_t completeLines(const std::string& path) {
  const std::string text = readFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Polls `condition` every few milliseconds until it holds (true) or `limit` passes (false).
inline bool waitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

inline Message sampleMessage(std::string topic = "sensors/t1", std::string payload = "21.5") {
  Message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.qos = 1;
  m.retain = false;
  m.client_id = "c1";
  m.username = "u";
  m.transport = "quic";
  m.peer = "127.0.0.1:5000";
  m.connection_id = "1f";
  // 2026-11-26T03:04:05.123456Z
  m.timestamp =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1795662245123456LL));
  return m;
}

}  // namespace mqttd::test
