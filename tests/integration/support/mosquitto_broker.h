// MosquittoBroker: a real mosquitto process on a free loopback port, for one test.
#pragma once

#include <memory>
#include <string>

#include "child_process.h"

namespace mqttd::test {

class MosquittoBroker {
 public:
  // Writes a config into `dir` and starts mosquitto; waits until it accepts connections.
  // `port` 0 picks a free one (restart on the same port: pass port()).
  explicit MosquittoBroker(const std::string& dir, uint16_t port = 0);
  ~MosquittoBroker();

  uint16_t port() const { return port_; }
  bool started() const { return started_; }
  // SIGKILL: the broker vanishes without closing anything cleanly.
  void kill();

 private:
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
  bool started_ = false;
};

}  // namespace mqttd::test
