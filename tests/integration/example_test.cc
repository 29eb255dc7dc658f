// examples/embedded_gateway: the embedding API (include/mqttd/gateway.h) run as a real process
// in front of a real Mosquitto: a handler registered with Gateway::subscribe() sees client
// PUBLISHes that match, the broker still gets them, and SIGTERM drains and exits 0.
#include <gtest/gtest.h>

#include <csignal>

#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

class ExampleTest : public GatewayFixture {
 protected:
  // Starts the fixture's mqttd-gw (for its generated config and dev certificate), stops it, and
  // starts the example on the same config (so on the same ports).
  void startExample() {
    startAll();
    if (HasFatalFailure()) return;
    config_ = gateway_->configPath();
    tcp_port_ = gateway_->tcpPort();
    gateway_->process().signal(SIGTERM);
    ASSERT_EQ(gateway_->process().wait(std::chrono::seconds(10)), 0);
    example_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{envOr("EMBEDDED_GATEWAY", "embedded_gateway"), "-c", config_});
    ASSERT_TRUE(example_->waitForLine("mqttd-gw started", std::chrono::seconds(10)))
        << example_->outputSoFar();
  }

  std::string config_;
  uint16_t tcp_port_ = 0;
  std::unique_ptr<ChildProcess> example_;
};

TEST_F(ExampleTest, SubscribeHandlerSeesMatchingMessagesAndBrokerStillGetsThem) {
  startExample();
  if (HasFatalFailure()) return;
  auto direct = subscribe(broker_->port(), "#", 1, 2);
  ASSERT_EQ(publish(tcp_port_, "sensors/kitchen/temp", 1, "21.5", {"-i", "thermo"}), 0);
  ASSERT_EQ(publish(tcp_port_, "other/topic", 1, "not for the handler"), 0);
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"21.5", "not for the handler"}));
  const auto line = example_->waitForLine("sensors message", std::chrono::seconds(10));
  ASSERT_TRUE(line) << example_->outputSoFar();
  EXPECT_EQ(*line,
            "sensors message 1: topic=sensors/kitchen/temp payload=21.5 qos=1 client=thermo via tcp");
  EXPECT_EQ(example_->outputSoFar().find("other/topic"), std::string::npos);

  example_->signal(SIGTERM);
  EXPECT_EQ(example_->wait(std::chrono::seconds(15)), 0);
}

TEST_F(ExampleTest, InvalidConfigIsReportedWithItsPosition) {
  const std::string path = dir_ + "/bad.yaml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("upstream: { address: 127.0.0.1:1883 }\nlisteners: { tcp: { address: 127.0.0.1:0 } }\n"
             "routes:\n  - { filter: 'a/#', action: tap, handler: nope }\n",
             f);
  std::fclose(f);
  auto [status, output] = run({envOr("EMBEDDED_GATEWAY", "embedded_gateway"), "-c", path});
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("routes[0].handler"), std::string::npos) << output;
}

}  // namespace
}  // namespace mqttd::test
