// MQTT over QUIC end to end: an independent QUIC stack (quic-go, tests/interop/quicgo) as the
// client, the real mqttd-gw with its QUIC listener, a real Mosquitto behind it.
#include <gnutls/crypto.h>
#include <signal.h>

#include <fstream>
#include <random>
#include <thread>

#include "mqtt_bytes.h"
#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string sha256Hex(const std::string& data) {
  uint8_t digest[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

class QuicTest : public GatewayFixture {
 protected:
  // The quic-go MQTT client against the gateway's QUIC port (or `port`), trusting the dev cert.
  std::vector<std::string> client(const std::vector<std::string>& args, uint16_t port = 0,
                                  bool trust = true) {
    std::vector<std::string> argv{envOr("QUICGO_CLIENT", "mqtt-quic-client"), "-addr",
                                  "127.0.0.1:" + std::to_string(port ? port : gateway_->quicPort())};
    if (trust) {
      argv.push_back("-ca");
      argv.push_back(gateway_->certPath());
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
};

class QuicPubSub : public QuicTest, public ::testing::WithParamInterface<int> {};

// Interop: quic-go publishes over QUIC; a plain TCP subscriber on the broker receives.
TEST_P(QuicPubSub, QuicPublishReachesTcpSubscriberOnTheBroker) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  const std::string q = std::to_string(GetParam());
  auto sub = subscribe(broker_->port(), "quic/up/" + q, GetParam(), 3);
  auto [rc, out] = run(client({"pub", "-t", "quic/up/" + q, "-q", q, "-m", "m", "-n", "3"}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*sub), (std::vector<std::string>{"m-1", "m-2", "m-3"}));
}

// Interop: a TCP publisher on the broker; quic-go subscribes through the gateway.
TEST_P(QuicPubSub, TcpPublishReachesQuicSubscriber) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  const std::string q = std::to_string(GetParam());
  ChildProcess sub(client({"sub", "-t", "quic/down/" + q, "-q", q, "-C", "2", "-W", "30"}));
  ASSERT_TRUE(sub.waitForLine("subscribed", seconds(15))) << sub.outputSoFar();
  ASSERT_EQ(publish(broker_->port(), "quic/down/" + q, GetParam(), "one"), 0);
  ASSERT_EQ(publish(broker_->port(), "quic/down/" + q, GetParam(), "two"), 0);
  EXPECT_EQ(sub.readLine(seconds(15)), "quic/down/" + q + " one");
  EXPECT_EQ(sub.readLine(seconds(15)), "quic/down/" + q + " two");
  EXPECT_EQ(sub.wait(seconds(10)), 0);
}

INSTANTIATE_TEST_SUITE_P(Qos, QuicPubSub, ::testing::Values(0, 1, 2));

TEST_F(QuicTest, TenMegabytePayloadArrivesIntact) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  std::mt19937 rng(7);
  std::string payload(10 * 1024 * 1024, '\0');
  for (char& c : payload) c = static_cast<char>(rng());
  const std::string file = dir_ + "/ten.bin";
  std::ofstream(file, std::ios::binary) << payload;
  ChildProcess sub(client({"sub", "-t", "big/q", "-q", "1", "-C", "1", "-W", "60", "-digest"}));
  ASSERT_TRUE(sub.waitForLine("subscribed", seconds(15)));
  auto [rc, out] = run(client({"-timeout", "60s", "pub", "-t", "big/q", "-q", "1", "-f", file}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(sub.readLine(seconds(60)),
            "big/q len=" + std::to_string(payload.size()) + " sha256=" + sha256Hex(payload));
}

TEST_F(QuicTest, HundredConcurrentClientsEachPublishAndReceiveHundredQos1Messages) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto [rc, out] = run(client({"-timeout", "60s", "roundtrip", "-c", "100", "-n", "100", "-q", "1"}),
                       seconds(180));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("sent=10000 delivered=10000 duplicates=0 missing=0 failed_clients=0"),
            std::string::npos)
      << out;
}

// RFC 9001 §8.1: a server that supports none of the client's protocols aborts with
// no_application_protocol (CRYPTO_ERROR 0x178).
TEST_F(QuicTest, WrongAlpnIsRefused) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto [rc, out] = run(client({"-alpn", "h3", "pub", "-t", "x", "-m", "y"}));
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("0x178"), std::string::npos) << out;
  EXPECT_EQ(metric("mqttd_quic_events_total{event=\"handshake_failed\"}"), 1u);
}

TEST_F(QuicTest, UntrustedCertificateIsRefusedUnlessInsecure) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto [rc, out] = run(client({"pub", "-t", "x", "-m", "y"}, 0, /*trust=*/false));
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("certificate"), std::string::npos) << out;
  auto [rc2, out2] = run(client({"-insecure", "pub", "-t", "x", "-m", "y"}, 0, false));
  EXPECT_EQ(rc2, 0) << out2;
}

TEST_F(QuicTest, RetryAlwaysStillConnects) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    retry: always\n"));
  auto [rc, out] = run(client({"pub", "-t", "retry/t", "-q", "1", "-m", "r", "-n", "2"}));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_GE(metric("mqttd_quic_events_total{event=\"retry_sent\"}"), 1u);
}

// RFC 9000 §6.1: a client Initial of an unknown version gets Version Negotiation listing v1.
TEST_F(QuicTest, UnknownVersionGetsVersionNegotiation) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  std::vector<uint8_t> initial(1200, 0);
  initial[0] = 0xc0;
  const uint8_t version[] = {0x1a, 0x2a, 0x3a, 0x4a};
  std::copy(version, version + 4, initial.begin() + 1);
  initial[5] = 8;  // DCID length
  for (int i = 0; i < 8; ++i) initial[6 + i] = static_cast<uint8_t>(0xd0 + i);
  initial[14] = 8;  // SCID length
  for (int i = 0; i < 8; ++i) initial[15 + i] = static_cast<uint8_t>(0x50 + i);
  UdpProbe probe;
  ASSERT_TRUE(probe.sendTo(gateway_->quicPort(), initial));
  auto vn = probe.receive(seconds(5));
  ASSERT_TRUE(vn);
  ASSERT_GE(vn->size(), 1u + 4 + 1 + 8 + 1 + 8 + 4);
  EXPECT_TRUE((*vn)[0] & 0x80);
  EXPECT_EQ(std::vector<uint8_t>(vn->begin() + 1, vn->begin() + 5),
            (std::vector<uint8_t>{0, 0, 0, 0}));  // version 0: Version Negotiation
  EXPECT_EQ((*vn)[5], 8);                         // its DCID is our SCID
  EXPECT_EQ((*vn)[6], 0x50);
  bool lists_v1 = false;
  for (size_t i = 1 + 4 + 1 + 8 + 1 + 8; i + 4 <= vn->size(); i += 4)
    lists_v1 |= (*vn)[i] == 0 && (*vn)[i + 1] == 0 && (*vn)[i + 2] == 0 && (*vn)[i + 3] == 1;
  EXPECT_TRUE(lists_v1);
}

// RFC 9000 §10.3: a short-header packet for an unknown connection gets a Stateless Reset,
// smaller than the packet that triggered it.
TEST_F(QuicTest, UnknownShortHeaderGetsStatelessReset) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  std::vector<uint8_t> packet(100);
  std::mt19937 rng(1);
  for (auto& b : packet) b = static_cast<uint8_t>(rng());
  packet[0] = 0x40 | (packet[0] & 0x3f);
  UdpProbe probe;
  ASSERT_TRUE(probe.sendTo(gateway_->quicPort(), packet));
  auto reset = probe.receive(seconds(5));
  ASSERT_TRUE(reset);
  EXPECT_LT(reset->size(), packet.size());
  EXPECT_GE(reset->size(), 21u);
  EXPECT_EQ((*reset)[0] & 0xc0, 0x40);
  EXPECT_EQ(metric("mqttd_quic_events_total{event=\"stateless_reset_sent\"}"), 1u);
}

TEST_F(QuicTest, BrokerDownGivesConnackServerUnavailableOverQuic) {
  ASSERT_NO_FATAL_FAILURE(startAll("", /*with_broker=*/false));
  auto [rc, out] = run(client({"pub", "-t", "x", "-m", "y"}));
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("CONNACK return code 3"), std::string::npos) << out;
}

TEST_F(QuicTest, VanishedClientIsCleanedUpWithItsUpstreamAtIdleTimeout) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    idle_timeout: 1s\n"));
  auto sub = std::make_unique<ChildProcess>(
      client({"-k", "0", "sub", "-t", "gone", "-q", "1", "-C", "1", "-W", "60"}));
  ASSERT_TRUE(sub->waitForLine("subscribed", seconds(15)));
  EXPECT_EQ(metric("mqttd_connections_current{transport=\"quic\"}"), 1u);
  sub->signal(SIGKILL);  // no CONNECTION_CLOSE: the client just vanishes
  (void)sub->wait(seconds(5));
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (metric("mqttd_connections_current{transport=\"quic\"}") != 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(metric("mqttd_connections_current{transport=\"quic\"}"), 0u);
  EXPECT_EQ(httpGet(gateway_->adminPort(), "/connections").body, "[]\n");
  EXPECT_NE(gateway_->log().find("client transport lost"), std::string::npos);
}

// The broker dies under an open QUIC session: the stream ends and the connection closes with
// EMQX's application code 1 ("upstream connection lost"); the gateway serves the next client.
TEST_F(QuicTest, BrokerKilledMidSessionClosesTheQuicConnection) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  ChildProcess sub(client({"-k", "0", "sub", "-t", "doomed", "-q", "1", "-C", "1", "-W", "60"}));
  ASSERT_TRUE(sub.waitForLine("subscribed", seconds(15)));
  broker_->kill();
  const auto status = sub.wait(seconds(10));
  ASSERT_TRUE(status.has_value()) << "the QUIC client did not notice the broker's death";
  EXPECT_EQ(*status, 2);
  const std::string out = sub.readAll(seconds(2));
  EXPECT_TRUE(out.find("0x1") != std::string::npos || out.find("EOF") != std::string::npos)
      << out;
  ASSERT_EQ(httpGet(gateway_->adminPort(), "/healthz").status, 200);
  auto [rc, refused] = run(client({"pub", "-t", "x", "-m", "y"}));
  EXPECT_EQ(rc, 2);
  EXPECT_NE(refused.find("CONNACK return code 3"), std::string::npos) << refused;
}

// A lossy, reordering link (user-space relay, seeded): QoS 1 loses and duplicates nothing.
TEST_F(QuicTest, LossyReorderingLinkLosesAndDuplicatesNothing) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  Relay relay = startRelay({"--loss", "0.05", "--reorder", "0.1", "--seed", "42", "--stats-file",
                            relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  const auto relay_port = static_cast<uint16_t>(std::stoi(relay.port));
  auto [rc, out] = run(client({"-timeout", "60s", "roundtrip", "-c", "10", "-n", "200", "-q", "1"},
                              relay_port),
                       seconds(180));
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  std::cout << "relay: " << json << "\n" << out;
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("sent=2000 delivered=2000 duplicates=0 missing=0"), std::string::npos);
  EXPECT_EQ(json.find("\"dropped\":0,"), std::string::npos) << "the relay dropped nothing?";
}

}  // namespace
}  // namespace mqttd::test
