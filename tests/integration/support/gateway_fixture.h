// GatewayFixture: a temp dir, a real Mosquitto and the real mqttd-gw in front of it, plus the
// real mosquitto_pub / mosquitto_sub clients.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "gateway_process.h"
#include "mosquitto_broker.h"
#include "test_net.h"

namespace mqttd::test {

// The environment variable `name` (set by meson for the test), else `fallback`.
std::string envOr(const char* name, const char* fallback);
// {prefix + "1", ..., prefix + n}: the payloads of `mqttd-cli pub --repeat n -m prefix%n`.
std::vector<std::string> numbered(const std::string& prefix, int n);

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the broker (if `with_broker`) and the gateway with `extra_yaml`; asserts readiness
  // (or only liveness when there is no broker).
  void startAll(const std::string& extra_yaml = "", bool with_broker = true,
                const std::string& quic_yaml = "");

  // mosquitto_sub -d on `port`: returns once the SUBACK arrived (ASSERTs it did).
  std::unique_ptr<ChildProcess> subscribe(uint16_t port, const std::string& topic, int qos,
                                          int count, const std::vector<std::string>& extra = {});
  // mosquitto_pub; returns its exit status.
  int publish(uint16_t port, const std::string& topic, int qos, const std::string& message,
              const std::vector<std::string>& extra = {});
  // Payload lines printed by a `subscribe` child (debug lines dropped), until it exits.
  std::vector<std::string> payloads(ChildProcess& sub);
  // How many times Mosquitto logged a client connecting with this client id.
  int brokerConnectionsOf(const std::string& client_id);
  // How many times Mosquitto logged this client's connection ending: DISCONNECT, the socket
  // closed, a socket error or its keepalive timeout.
  int brokerDisconnectsOf(const std::string& client_id);

  // A udp-impair relay in front of the gateway's QUIC port, started with `args` (e.g.
  // {"--rebind-after", "8"}); `port` is empty when it did not come up (a failure is recorded).
  struct Relay {
    std::unique_ptr<ChildProcess> process;
    std::string port;  // the relay's listening port, for `-p`
  };
  Relay startRelay(const std::vector<std::string>& args);
  // Where a relay started with {"--stats-file", relayStatsPath()} writes its counters on exit,
  // and those counters (JSON; empty before the relay has exited).
  std::string relayStatsPath() const { return dir_ + "/relay.json"; }
  std::string relayStats() const;

  // Runs `argv` to completion: {exit status (-1: did not exit), stdout+stderr}.
  std::pair<int, std::string> run(const std::vector<std::string>& argv,
                                  std::chrono::seconds timeout = std::chrono::seconds(90));
  // The value of the gateway's /metrics series `series` (name with labels); ~0 when absent.
  uint64_t metric(const std::string& series);
  // mqttd_quic_events_total{event="`event`"}.
  uint64_t quicEvent(const std::string& event);
  // Polls `pred` (every 20 ms) until it holds or `timeout` passes; false on timeout.
  template <typename Pred>
  static bool eventually(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  std::string dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace mqttd::test
