// `workers: 2`: two event loops, each with its own UDP socket and TCP listener on the same ports
// (SO_REUSEPORT). Connections spread over both; a QUIC connection whose client moves to an
// address that the kernel hashes to the other worker keeps working (its datagrams are handed to
// the owning worker); /connections, metrics, reload and drain cover every worker.
#include <signal.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "mqtt_bytes.h"
#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class WorkersTest : public GatewayFixture {
 protected:
  void startTwoWorkers(const std::string& extra_yaml = "") {
    startAll("workers: 2\n" + extra_yaml);
  }
  uint64_t accepted(int worker) {
    return metric("mqttd_worker_connections_total{worker=\"" + std::to_string(worker) + "\"}");
  }
  uint64_t open(int worker) {
    return metric("mqttd_worker_connections{worker=\"" + std::to_string(worker) + "\"}");
  }
};

TEST_F(WorkersTest, TwoHundredQuicConnectionsSpreadOverBothWorkers) {
  ASSERT_NO_FATAL_FAILURE(startTwoWorkers());
  EXPECT_EQ(metric("mqttd_workers"), 2u);
  EXPECT_NE(gateway_->log().find("workers=2"), std::string::npos) << gateway_->log();
  auto [rc, out] =
      run({envOr("QUICGO_CLIENT", "mqtt-quic-client"), "-addr",
           "127.0.0.1:" + std::to_string(gateway_->quicPort()), "-ca", gateway_->certPath(),
           "-timeout", "60s", "roundtrip", "-c", "200", "-n", "5", "-q", "1"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("sent=1000 delivered=1000 duplicates=0 missing=0 failed_clients=0"),
            std::string::npos)
      << out;
  // Each worker accepted some of them (the kernel hashes the 200 client ports over both).
  EXPECT_GT(accepted(0), 0u);
  EXPECT_GT(accepted(1), 0u);
  EXPECT_EQ(accepted(0) + accepted(1), 200u);
  EXPECT_EQ(metric("mqttd_connections_total{transport=\"quic\"}"), 200u);
  // Everything closes on both workers.
  EXPECT_TRUE(eventually([&] { return open(0) == 0 && open(1) == 0; }))
      << "open: " << open(0) << " + " << open(1);
}

// The TCP listener is per worker too: plain MQTT clients are spread over both, /connections
// lists the connections of both, and a SIGHUP changes the limits every worker applies to new
// connections (while `workers` itself needs a restart); SIGTERM drains both, then exit 0.
TEST_F(WorkersTest, TcpListenerOnBothWorkersListsReloadsAndDrains) {
  ASSERT_NO_FATAL_FAILURE(startTwoWorkers("drain_timeout: 1s\n"));
  constexpr int kClients = 24;
  std::vector<TcpClient> clients;
  for (int i = 0; i < kClients; ++i) {
    auto client = TcpClient::connect(gateway_->tcpPort());
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->send(connectPacket("tcp-w-" + std::to_string(i))));
    ASSERT_TRUE(client->readPacket(seconds(10))) << "no CONNACK for client " << i;
    clients.push_back(std::move(*client));
  }
  ASSERT_TRUE(eventually([&] { return open(0) + open(1) == kClients; }));
  EXPECT_GT(open(0), 0u);
  EXPECT_GT(open(1), 0u);
  const std::string listing = httpGet(gateway_->adminPort(), "/connections").body;
  EXPECT_EQ(occurrences(listing, "\"transport\":\"tcp\""), static_cast<size_t>(kClients))
      << listing;
  for (int i = 0; i < kClients; ++i)
    EXPECT_NE(listing.find("\"client_id\":\"tcp-w-" + std::to_string(i) + "\""), std::string::npos);

  // mosquitto_pub / mosquitto_sub through the TCP listener of whichever worker they land on.
  auto sub = subscribe(gateway_->tcpPort(), "workers/tcp", 1, 10);
  for (int i = 1; i <= 10; ++i)
    ASSERT_EQ(publish(gateway_->tcpPort(), "workers/tcp", 1, "m" + std::to_string(i)), 0);
  EXPECT_EQ(payloads(*sub), numbered("m", 10));

  // Reload: a 1 KiB packet limit for new connections on every worker; `workers` needs a restart.
  {
    std::ifstream in(gateway_->configPath());
    std::string yaml((std::istreambuf_iterator<char>(in)), {});
    yaml.replace(yaml.find("workers: 2"), 10, "workers: 3");
    std::ofstream(gateway_->configPath()) << yaml << "limits:\n  max_packet_size: 1KiB\n";
  }
  gateway_->process().signal(SIGHUP);
  ASSERT_TRUE(eventually(
      [&] { return gateway_->log().find("configuration reloaded") != std::string::npos; }));
  EXPECT_NE(gateway_->log().find("key=workers"), std::string::npos) << gateway_->log();
  EXPECT_EQ(metric("mqttd_workers"), 2u);
  const uint64_t before0 = accepted(0), before1 = accepted(1);
  for (int i = 0; i < 16; ++i) {
    auto client = TcpClient::connect(gateway_->tcpPort());
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->send(connectPacket("big-" + std::to_string(i))));
    ASSERT_TRUE(client->readPacket(seconds(10)));
    ASSERT_TRUE(client->send(publishPacket("t", std::string(2000, 'x'))));
    EXPECT_TRUE(client->waitClosed(seconds(5))) << "connection " << i << " was not closed";
  }
  EXPECT_GT(accepted(0), before0);  // both workers saw some of them, and applied the limit
  EXPECT_GT(accepted(1), before1);

  gateway_->process().signal(SIGTERM);
  // Both workers stop accepting...
  ASSERT_TRUE(eventually([&] { return httpGet(gateway_->adminPort(), "/readyz").status == 503; }));
  // ...and the 3.1.1 clients are closed at the drain timeout; then the process exits 0.
  for (auto& client : clients) EXPECT_TRUE(client.waitClosed(seconds(10)));
  EXPECT_EQ(gateway_->process().wait(seconds(15)), 0);
  EXPECT_NE(gateway_->log().find("drained; exiting"), std::string::npos) << gateway_->log();
}

// NAT rebinding with two workers: the relay moves the client's flow to a new source port every
// 8 datagrams, and the kernel hashes each new port to either worker, so the connection's
// datagrams keep reaching the worker that does not own it. They are handed to the owner, which
// answers from its own socket on the same port: every QoS 1 message arrives once, in order, on
// one broker session.
TEST_F(WorkersTest, ConnectionWhoseNewAddressHashesToTheOtherWorkerKeepsWorking) {
  ASSERT_NO_FATAL_FAILURE(startTwoWorkers());
  Relay relay = startRelay({"--rebind-after", "8", "--stats-file", relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  const std::string relay_port = relay.port;
  auto direct = subscribe(broker_->port(), "workers/nat", 1, 300);
  auto [rc, out] = run({envOr("MQTTD_CLI", "mqttd-cli"), "pub", "-h", "127.0.0.1", "-p", relay_port,
                        "--cafile", gateway_->certPath(), "-t", "workers/nat", "-q", "1", "-m",
                        "n%n", "--repeat", "300", "-i", "rebound-w"});
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(json.find("\"rebinds\":0,"), std::string::npos) << "the relay never rebound: " << json;
  EXPECT_EQ(payloads(*direct), numbered("n", 300));
  EXPECT_EQ(brokerConnectionsOf("rebound-w"), 1);
  EXPECT_GT(metric("mqttd_quic_events_total{event=\"datagram_handed_over\"}"), 0u);
  EXPECT_GE(metric("mqttd_quic_events_total{event=\"path_migrated\"}"), 1u);
  EXPECT_EQ(metric("mqttd_quic_events_total{event=\"stateless_reset_sent\"}"), 0u);
}

// One worker (the default) never hands anything over, even through a rebinding relay.
TEST_F(WorkersTest, OneWorkerNeverHandsOver) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  EXPECT_EQ(metric("mqttd_workers"), 1u);
  Relay relay = startRelay({"--rebind-after", "8"});
  ASSERT_FALSE(relay.port.empty());
  auto [rc, out] = run({envOr("MQTTD_CLI", "mqttd-cli"), "pub", "-h", "127.0.0.1", "-p",
                        relay.port, "--cafile", gateway_->certPath(), "-t",
                        "workers/one", "-q", "1", "-m", "n%n", "--repeat", "50"});
  relay.process->signal(SIGTERM);
  (void)relay.process->wait(seconds(10));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(metric("mqttd_quic_events_total{event=\"datagram_handed_over\"}"), 0u);
}

}  // namespace
}  // namespace mqttd::test
