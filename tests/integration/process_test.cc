// The mqttd-gw process: command line, config errors, SIGHUP reload, SIGTERM drain.
#include <gmock/gmock.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "mqtt_bytes.h"
#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ProcessTest : public GatewayFixture {
 protected:
  std::string writeFile(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(ProcessTest, VersionAndHelp) {
  ChildProcess version({GatewayProcess::binary(), "--version"});
  EXPECT_EQ(version.wait(seconds(5)), 0);
  const std::string text = version.readAll(seconds(5));
  EXPECT_EQ(text.rfind("mqttd-gw ", 0), 0u) << text;
  ChildProcess help({GatewayProcess::binary(), "--help"});
  EXPECT_EQ(help.wait(seconds(5)), 0);
  EXPECT_NE(help.readAll(seconds(5)).find("--check-config"), std::string::npos);
  ChildProcess bad({GatewayProcess::binary(), "--frobnicate"});
  EXPECT_EQ(bad.wait(seconds(5)), 2);
}

TEST_F(ProcessTest, CheckConfigAcceptsTheMinimalConfig) {
  const auto path = writeFile("gw.yaml",
                              "upstream:\n"
                              "  address: 127.0.0.1:1883\n"
                              "listeners:\n"
                              "  tcp:\n"
                              "    address: 127.0.0.1:11883\n"
                              "admin:\n"
                              "  address: 127.0.0.1:9100\n");
  ChildProcess check({GatewayProcess::binary(), "--check-config", "-c", path});
  EXPECT_EQ(check.wait(seconds(5)), 0);
  EXPECT_NE(check.readAll(seconds(5)).find("configuration is valid"), std::string::npos);
}

TEST_F(ProcessTest, CheckConfigNamesFileLineColumnAndKey) {
  const auto path = writeFile("gw.yaml",
                              "upstream:\n"
                              "  address: 127.0.0.1:1883\n"
                              "listeners:\n"
                              "  tcp:\n"
                              "    adress: 127.0.0.1:11883\n");
  ChildProcess check({GatewayProcess::binary(), "--check-config", "-c", path});
  EXPECT_EQ(check.wait(seconds(5)), 1);
  const std::string out = check.readAll(seconds(5));
  EXPECT_NE(out.find(path + ":5:5: listeners.tcp.adress: unknown key (did you mean 'address'?)"),
            std::string::npos)
      << out;
}

TEST_F(ProcessTest, StartWithBadConfigExitsOneWithoutServing) {
  const auto path = writeFile("gw.yaml", "upstream:\n  address: broker.local:1883\n");
  ChildProcess run({GatewayProcess::binary(), "-c", path});
  EXPECT_EQ(run.wait(seconds(5)), 1);
  EXPECT_NE(run.readAll(seconds(5)).find(path + ":2:"), std::string::npos);
}

// A gateway that may serve 1000 clients: 2064 descriptors at most (OpenFileLimit::neededFor).
constexpr const char* kThousandClients =
    "upstream:\n  address: 127.0.0.1:1\n"
    "listeners:\n  tcp:\n    address: 127.0.0.1:0\n"
    "limits:\n  max_connections: 1000\n";

// A soft limit below the hard one (what many container runtimes and shells give) is raised at
// start: the gateway needs two descriptors per TCP client.
TEST_F(ProcessTest, RaisesItsOpenFilesSoftLimitToTheHardLimit) {
  const auto path = writeFile("gw.yaml", kThousandClients);
  ChildProcess run({"prlimit", "--nofile=256:4096", GatewayProcess::binary(), "-c", path});
  ASSERT_TRUE(run.waitForLine("mqttd-gw started", seconds(10))) << run.outputSoFar();
  std::ifstream limits("/proc/" + std::to_string(run.pid()) + "/limits");
  std::string line;
  while (std::getline(limits, line) && line.rfind("Max open files", 0) != 0) {
  }
  EXPECT_THAT(line, testing::MatchesRegex("Max open files +4096 +4096 +files *"));
  EXPECT_THAT(run.outputSoFar(),
              testing::HasSubstr("open files limit raised from=256 to=4096"));
  EXPECT_THAT(run.outputSoFar(), testing::Not(testing::HasSubstr("below what")));
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait(seconds(10)), 0);
}

// A hard limit too low for limits.max_connections is said at start, with what is needed.
TEST_F(ProcessTest, WarnsWhenTheOpenFilesLimitIsBelowMaxConnections) {
  const auto path = writeFile("gw.yaml", kThousandClients);
  ChildProcess run({"prlimit", "--nofile=512:512", GatewayProcess::binary(), "-c", path});
  ASSERT_TRUE(run.waitForLine("mqttd-gw started", seconds(10))) << run.outputSoFar();
  EXPECT_THAT(run.outputSoFar(),
              testing::HasSubstr("open files limit is below what limits.max_connections needs"));
  EXPECT_THAT(run.outputSoFar(), testing::HasSubstr("limit=512 max_connections=1000 needed=2064"));
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait(seconds(10)), 0);
}

TEST_F(ProcessTest, SighupWithInvalidFileKeepsTheOldConfig) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  const std::string good = [&] {
    std::ifstream in(gateway_->configPath());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  std::ofstream(gateway_->configPath()) << good << "bogus_key: 1\n";
  gateway_->process().signal(SIGHUP);
  // The reload is logged; wait for it rather than sleeping.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (gateway_->log().find("reload failed") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  const std::string log = gateway_->log();
  EXPECT_NE(log.find("reload failed; keeping the running configuration"), std::string::npos)
      << log;
  EXPECT_NE(log.find("bogus_key: unknown key"), std::string::npos) << log;

  // Still serving with the old config.
  auto sub = subscribe(gateway_->tcpPort(), "after/hup", 1, 1);
  ASSERT_EQ(publish(gateway_->tcpPort(), "after/hup", 1, "alive"), 0);
  EXPECT_EQ(payloads(*sub), (std::vector<std::string>{"alive"}));
}

TEST_F(ProcessTest, SighupAppliesLiveSettingsAndNamesRestartOnlyOnes) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  std::ofstream(gateway_->configPath())
      << "upstream:\n  address: 127.0.0.1:" << broker_->port() << "\n"
      << "listeners:\n  tcp:\n    address: 127.0.0.1:" << freeTcpPort() << "\n"
      << "admin:\n  address: 127.0.0.1:" << gateway_->adminPort() << "\n"
      << "limits:\n  max_packet_size: 1KiB\n";
  gateway_->process().signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (gateway_->log().find("configuration reloaded") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  const std::string log = gateway_->log();
  EXPECT_NE(log.find("configuration reloaded"), std::string::npos) << log;
  EXPECT_NE(log.find("needs a restart"), std::string::npos);
  EXPECT_NE(log.find("key=listeners.tcp.address"), std::string::npos);

  // The old listener still serves, with the new packet limit.
  auto client = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(connectPacket("after-reload")));
  ASSERT_TRUE(client->readPacket(seconds(10)));
  ASSERT_TRUE(client->send(publishPacket("t", std::string(2000, 'x'))));
  EXPECT_TRUE(client->waitClosed(seconds(5)));
}

TEST_F(ProcessTest, SigtermWithoutClientsExitsZero) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  gateway_->process().signal(SIGTERM);
  EXPECT_EQ(gateway_->process().wait(seconds(10)), 0);
  EXPECT_NE(gateway_->log().find("drained; exiting"), std::string::npos);
}

TEST_F(ProcessTest, SigtermDrainsOpenConnectionsThenExitsZero) {
  ASSERT_NO_FATAL_FAILURE(startAll("drain_timeout: 1s\n"));
  auto v5 = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(v5);
  ASSERT_TRUE(v5->send(connectPacket("drain-5", 5)));
  ASSERT_TRUE(v5->readPacket(seconds(10)));

  auto v311 = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(v311);
  ASSERT_TRUE(v311->send(connectPacket("drain-311")));
  ASSERT_TRUE(v311->readPacket(seconds(10)));

  gateway_->process().signal(SIGTERM);
  // New connections are no longer accepted while draining; readiness says so.
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  while (httpGet(gateway_->adminPort(), "/readyz").status == 200 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(httpGet(gateway_->adminPort(), "/readyz").status, 503);

  // The 3.1.1 client leaves by itself during the drain...
  v311.reset();
  // ...the v5 client is told the server is shutting down when the drain timeout ends.
  auto disconnect = v5->readPacket(seconds(10));
  ASSERT_TRUE(disconnect);
  // MQTT 5.0 §3.14.2.1: reason 0x8B "Server shutting down".
  EXPECT_EQ(*disconnect, (std::vector<uint8_t>{0xE0, 0x01, 0x8B}));
  EXPECT_TRUE(v5->waitClosed(seconds(5)));
  EXPECT_EQ(gateway_->process().wait(seconds(10)), 0);
  EXPECT_NE(gateway_->log().find("drain timeout reached"), std::string::npos);
}

}  // namespace
}  // namespace mqttd::test
