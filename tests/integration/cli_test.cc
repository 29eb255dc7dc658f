// mqttd-cli, the project's own client (ngtcp2 + GnuTLS on the client side), against the real
// gateway and a real Mosquitto: QUIC and TCP, MQTT 3.1.1 and 5.0, trust and refusal.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using std::chrono::seconds;

std::string cli() {
  const char* v = std::getenv("MQTTD_CLI");
  return v != nullptr ? v : "mqttd-cli";
}

class CliTest : public GatewayFixture {
 protected:
  std::vector<std::string> quic(std::vector<std::string> args, bool trust = true) {
    std::vector<std::string> argv{cli(), args[0], "-h", "127.0.0.1", "-p",
                                  std::to_string(gateway_->quicPort())};
    if (trust) {
      argv.push_back("--cafile");
      argv.push_back(gateway_->certPath());
    }
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return argv;
  }
  uint64_t migrations() { return quicEvent("path_migrated"); }
  void replayBody(const std::string& extra_yaml);
  // A fresh gateway process on the same broker and directory (new ports), with `quic_yaml`.
  void restartGateway(const std::string& quic_yaml) {
    gateway_.reset();
    gateway_ = std::make_unique<GatewayProcess>(dir_, broker_->port(), "", quic_yaml);
    ASSERT_TRUE(gateway_->waitReady()) << gateway_->log();
  }
};

void writeRandomKey(const std::string& path) {
  std::ifstream rnd("/dev/urandom", std::ios::binary);
  std::string key(64, '\0');
  rnd.read(key.data(), static_cast<std::streamsize>(key.size()));
  std::ofstream(path, std::ios::binary) << key;
}


class CliQos : public CliTest, public ::testing::WithParamInterface<int> {};

TEST_P(CliQos, PubAndSubOverQuicWithBothProtocolVersions) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  const std::string q = std::to_string(GetParam());
  // Subscribe on the broker directly: the gateway must deliver what mqttd-cli publishes.
  auto direct = subscribe(broker_->port(), "cli/" + q, GetParam(), 2);
  // And through the gateway over QUIC with mqttd-cli itself.
  ChildProcess sub(quic({"sub", "-t", "cli/" + q, "-q", q, "-C", "2", "-v", "-W", "30"}));
  // Subscribed once the gateway has passed a SUBACK to a client (the direct one bypasses it).
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  const std::string suback = "type=\"SUBACK\",direction=\"to_client\"} 1";
  while (httpGet(gateway_->adminPort(), "/metrics").body.find(suback) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_NE(httpGet(gateway_->adminPort(), "/metrics").body.find(suback), std::string::npos);
  auto [rc1, out1] = run(quic({"pub", "-t", "cli/" + q, "-q", q, "-m", "hello"}));
  ASSERT_EQ(rc1, 0) << out1;
  auto [rc2, out2] = run(quic({"pub", "-t", "cli/" + q, "-q", q, "-m", "world", "-V", "5"}));
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"hello", "world"}));
  std::vector<std::string> got;
  while (auto line = sub.readLine(seconds(15)))
    if (line->rfind("cli/", 0) == 0) got.push_back(*line);
  EXPECT_EQ(got, (std::vector<std::string>{"cli/" + q + " hello", "cli/" + q + " world"}));
  EXPECT_EQ(sub.wait(seconds(10)), 0);
}

INSTANTIATE_TEST_SUITE_P(Qos, CliQos, ::testing::Values(0, 1, 2));

// Active migration (RFC 9000 §9): mqttd-cli moves to a new UDP port after 50 of 200 QoS 1
// messages. Every message reaches a subscriber on the broker once and in order, the gateway
// counted the move, and Mosquitto saw one connection: the upstream TCP session was untouched.
TEST_F(CliTest, ActiveMigrationMidStreamKeepsTheBrokerSession) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto direct = subscribe(broker_->port(), "mig/active", 1, 200);
  auto [rc, out] = run(quic({"pub", "-t", "mig/active", "-q", "1", "-m", "m%n", "--repeat", "200",
                             "--migrate-after", "50", "-i", "migrator", "-d"}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Migrated to local address"), std::string::npos) << out;
  EXPECT_EQ(payloads(*direct), numbered("m", 200));
  EXPECT_GE(migrations(), 1u);
  EXPECT_EQ(brokerConnectionsOf("migrator"), 1);
}

// NAT rebinding: a relay in front of the gateway moves the client's flow to a new source port
// every 40 datagrams; the client does not know. Same guarantees as active migration.
TEST_F(CliTest, NatRebindingMidStreamKeepsTheBrokerSession) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  Relay relay = startRelay({"--rebind-after", "40", "--stats-file", relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  const std::string relay_port = relay.port;
  auto direct = subscribe(broker_->port(), "mig/nat", 1, 200);
  std::vector<std::string> argv = quic({"pub", "-t", "mig/nat", "-q", "1", "-m", "n%n",
                                        "--repeat", "200", "-i", "rebound"});
  argv[5] = relay_port;  // the value of -p: through the relay
  auto [rc, out] = run(argv);
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(json.find("\"rebinds\":0,"), std::string::npos) << "the relay never rebound: " << json;
  EXPECT_EQ(payloads(*direct), numbered("n", 200));
  EXPECT_GE(migrations(), 1u);
  EXPECT_EQ(brokerConnectionsOf("rebound"), 1);
}

TEST_F(CliTest, TcpTransportThroughTheGatewayTcpListener) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto direct = subscribe(broker_->port(), "cli/tcp", 1, 1);
  auto [rc, out] = run({cli(), "pub", "--transport", "tcp", "-h", "127.0.0.1", "-p",
                        std::to_string(gateway_->tcpPort()), "-t", "cli/tcp", "-q", "1", "-m", "t"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"t"}));
}

TEST_F(CliTest, UntrustedCertificateIsRefusedUnlessInsecure) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto [rc, out] = run(quic({"pub", "-t", "x", "-m", "y"}, /*trust=*/false));
  EXPECT_EQ(rc, 3);
  EXPECT_NE(out.find("certificate verify failed"), std::string::npos) << out;
  auto [rc2, out2] = run(quic({"pub", "-t", "x", "-m", "y", "--insecure"}, false));
  EXPECT_EQ(rc2, 0) << out2;
}

TEST_F(CliTest, OfferingOnlyH3IsRefusedWithNoApplicationProtocol) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto [rc, out] = run(quic({"pub", "-t", "x", "-m", "y", "--alpn", "h3"}));
  EXPECT_EQ(rc, 3);
  EXPECT_NE(out.find("0x178"), std::string::npos) << out;
}

TEST_F(CliTest, BrokerDownIsReportedLikeMosquittoPub) {
  ASSERT_NO_FATAL_FAILURE(startAll("", /*with_broker=*/false));
  auto [rc, out] = run(quic({"pub", "-t", "x", "-m", "y"}));
  EXPECT_EQ(rc, 4);
  EXPECT_NE(out.find("Connection Refused: server unavailable"), std::string::npos) << out;
}

// SIGTERM with an MQTT 5 client on QUIC: after drain_timeout it is told the server is shutting
// down, the connection closes, and the gateway exits 0.
TEST_F(CliTest, SigtermDrainsQuicClientsThenExitsZero) {
  ASSERT_NO_FATAL_FAILURE(startAll("drain_timeout: 1s\n"));
  ChildProcess sub(quic({"sub", "-t", "drain/#", "-q", "1", "-V", "5", "-W", "60"}));
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (httpGet(gateway_->adminPort(), "/connections").body.find("\"protocol_version\":5") ==
             std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  gateway_->process().signal(SIGTERM);
  EXPECT_EQ(gateway_->process().wait(seconds(15)), 0);
  const auto status = sub.wait(seconds(10));
  ASSERT_TRUE(status.has_value()) << "mqttd-cli still running after the gateway left";
  EXPECT_NE(gateway_->log().find("gateway shutting down"), std::string::npos) << gateway_->log();
}

}  // namespace
}  // namespace mqttd::test

namespace mqttd::test {
namespace {

// 0-RTT (RFC 9001 §4.6): the first connection stores a ticket, the second resumes with it and
// its CONNECT goes in the first flight: the gateway opened the stream from 0-RTT packets.
TEST_F(CliTest, ResumedConnectionSendsItsConnectInZeroRttData) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    zero_rtt: true\n"));
  auto direct = subscribe(broker_->port(), "zr/t", 1, 2);
  const std::string session = dir_ + "/session";
  auto [rc1, out1] = run(quic({"pub", "-t", "zr/t", "-q", "1", "-m", "first", "--session-file",
                               session, "-d"}));
  ASSERT_EQ(rc1, 0) << out1;
  EXPECT_NE(out1.find("Full handshake"), std::string::npos) << out1;
  auto [rc2, out2] = run(quic({"pub", "-t", "zr/t", "-q", "1", "-m", "second", "--session-file",
                               session, "-d"}));
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_NE(out2.find("Session resumed, 0-RTT accepted"), std::string::npos) << out2;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(quicEvent("session_resumed"), 1u);
  EXPECT_EQ(quicEvent("zero_rtt_accepted"), 1u);
  EXPECT_EQ(quicEvent("zero_rtt_streams"), 1u);
}

// An attacker replays a resumed client's first flight (Initial with the ticket, 0-RTT CONNECT)
// from another port 1.5 s later: the anti-replay store has seen that ClientHello, so the early
// data is refused and the broker never sees a second CONNECT.
TEST_F(CliTest, ReplayedZeroRttFlightIsNotAccepted) { replayBody(""); }

// With two workers the replay, coming from a new port, may land on the other worker: each
// worker has its own GnuTLS anti-replay context, but they record into one store.
TEST_F(CliTest, ReplayedZeroRttFlightIsNotAcceptedByAnyWorker) { replayBody("workers: 2\n"); }

void CliTest::replayBody(const std::string& extra_yaml) {
  ASSERT_NO_FATAL_FAILURE(startAll(extra_yaml, true, "    zero_rtt: true\n"));
  const std::string session = dir_ + "/session";
  auto [rc1, out1] = run(quic({"pub", "-t", "rp/t", "-m", "ticket", "--session-file", session}));
  ASSERT_EQ(rc1, 0) << out1;
  Relay relay = startRelay(
      {"--replay-first", "4", "--replay-after", "1500ms", "--stats-file", relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  std::vector<std::string> argv = quic({"pub", "-t", "rp/t", "-m", "once", "-i", "replay-me",
                                        "--session-file", session, "-d"});
  argv[5] = relay.port;  // the value of -p: through the relay
  auto [rc2, out2] = run(argv);
  ASSERT_EQ(rc2, 0) << out2;
  ASSERT_NE(out2.find("Session resumed, 0-RTT accepted"), std::string::npos) << out2;
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));  // the replay, and its handshake
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  EXPECT_EQ(json.find("\"replayed\":0,"), std::string::npos) << "nothing was replayed: " << json;
  EXPECT_EQ(quicEvent("zero_rtt_accepted"), 1u);  // the real client only
  EXPECT_EQ(quicEvent("zero_rtt_streams"), 1u);
  EXPECT_EQ(brokerConnectionsOf("replay-me"), 1);
}

// ticket_key_file lets a restarted gateway (or another replica) resume tickets issued with the
// same key; a ticket from a key that is no longer in use falls back to a full handshake. Both
// deliver the message.
TEST_F(CliTest, TicketsFollowTheKeyFileAndAStaleKeyMeansAFullHandshake) {
  writeRandomKey(dir_ + "/k1.key");
  writeRandomKey(dir_ + "/k2.key");
  ASSERT_NO_FATAL_FAILURE(
      startAll("", true, "    zero_rtt: true\n    ticket_key_file: k1.key\n"));
  const std::string session = dir_ + "/session";
  auto [rc1, out1] = run(quic({"pub", "-t", "tk/t", "-m", "a", "--session-file", session}));
  ASSERT_EQ(rc1, 0) << out1;
  std::filesystem::copy_file(session, session + ".k1");
  ASSERT_NO_FATAL_FAILURE(restartGateway("    zero_rtt: true\n    ticket_key_file: k1.key\n"));
  auto [rc2, out2] = run(quic({"pub", "-t", "tk/t", "-m", "b", "--session-file", session, "-d"}));
  ASSERT_EQ(rc2, 0) << out2;
  // Resumed (no certificate, no signature), but without 0-RTT: the new process has no memory
  // of ClientHellos before its start, so GnuTLS refuses early data on older tickets (a replay
  // could not be told apart); the client resends its CONNECT in 1-RTT.
  EXPECT_NE(out2.find("Session resumed, 0-RTT rejected"), std::string::npos) << out2;
  EXPECT_EQ(quicEvent("session_resumed"), 1u);
  EXPECT_EQ(quicEvent("zero_rtt_accepted"), 0u);
  ASSERT_NO_FATAL_FAILURE(restartGateway("    zero_rtt: true\n    ticket_key_file: k2.key\n"));
  auto [rc3, out3] = run(quic({"pub", "-t", "tk/t", "-m", "c", "--session-file",
                               session + ".k1", "-d"}));
  ASSERT_EQ(rc3, 0) << out3;
  EXPECT_NE(out3.find("Full handshake"), std::string::npos) << out3;
  EXPECT_EQ(quicEvent("session_resumed"), 0u);
  auto direct = subscribe(broker_->port(), "tk/#", 0, 1);
  auto [rc4, out4] = run(quic({"pub", "-t", "tk/t", "-m", "d", "--session-file", session}));
  ASSERT_EQ(rc4, 0) << out4;
  EXPECT_EQ(payloads(*direct), std::vector<std::string>{"d"});
}

}  // namespace
}  // namespace mqttd::test
