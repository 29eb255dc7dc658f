// The plain TCP listener end to end: real mosquitto_pub/sub clients, a real Mosquitto broker,
// the real mqttd-gw binary between them.
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

class TcpSpliceTest : public GatewayFixture {};

class TcpSplicePubSub : public TcpSpliceTest, public ::testing::WithParamInterface<int> {};

TEST_P(TcpSplicePubSub, PublishViaGatewayReachesDirectSubscriber) {
  const int qos = GetParam();
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto sub = subscribe(broker_->port(), "gw/test/" + std::to_string(qos), qos, 3);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(publish(gateway_->tcpPort(), "gw/test/" + std::to_string(qos), qos,
                      "m" + std::to_string(i)),
              0);
  EXPECT_EQ(payloads(*sub), (std::vector<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(sub->wait(seconds(5)), 0);
}

TEST_P(TcpSplicePubSub, SubscriberViaGatewayReceivesDirectPublish) {
  const int qos = GetParam();
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto sub = subscribe(gateway_->tcpPort(), "gw/down/" + std::to_string(qos), qos, 2, {"-v"});
  ASSERT_EQ(publish(broker_->port(), "gw/down/" + std::to_string(qos), qos, "hello"), 0);
  ASSERT_EQ(publish(broker_->port(), "gw/down/" + std::to_string(qos), qos, "world"), 0);
  const std::string topic = "gw/down/" + std::to_string(qos);
  EXPECT_EQ(payloads(*sub), (std::vector<std::string>{topic + " hello", topic + " world"}));
}

TEST_P(TcpSplicePubSub, Mqtt5ClientsPassThrough) {
  const int qos = GetParam();
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto sub = subscribe(gateway_->tcpPort(), "v5/+", qos, 1, {"-V", "mqttv5", "-v"});
  ASSERT_EQ(publish(gateway_->tcpPort(), "v5/x", qos, "five", {"-V", "mqttv5"}), 0);
  EXPECT_EQ(payloads(*sub), (std::vector<std::string>{"v5/x five"}));
}

INSTANTIATE_TEST_SUITE_P(Qos, TcpSplicePubSub, ::testing::Values(0, 1, 2));

TEST_F(TcpSpliceTest, OneMegabytePayloadArrivesIntact) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  std::mt19937 rng(42);
  std::string payload(1024 * 1024, ' ');
  for (char& c : payload) c = static_cast<char>('a' + rng() % 26);
  const std::string file = dir_ + "/payload.bin";
  std::ofstream(file) << payload;
  auto sub = subscribe(gateway_->tcpPort(), "big", 1, 1);
  ASSERT_EQ(publish(gateway_->tcpPort(), "big", 1, "", {"-f", file}), 0);
  const auto got = payloads(*sub);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].size(), payload.size());
  EXPECT_TRUE(got[0] == payload) << "payload differs";
}

// [MQTT-3.2.2-6] / 3.1.1 §3.2.2.3: return code 3 "Server unavailable".
TEST_F(TcpSpliceTest, BrokerDownGivesConnackServerUnavailable311) {
  ASSERT_NO_FATAL_FAILURE(startAll("", /*with_broker=*/false));
  auto client = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(connectPacket("down-311")));
  auto connack = client->readPacket(seconds(10));
  ASSERT_TRUE(connack);
  EXPECT_EQ(*connack, (std::vector<uint8_t>{0x20, 0x02, 0x00, 0x03}));
  EXPECT_TRUE(client->waitClosed(seconds(5)));
}

// MQTT 5.0 §3.2.2.2: reason code 0x88 "Server unavailable".
TEST_F(TcpSpliceTest, BrokerDownGivesConnackServerUnavailable5) {
  ASSERT_NO_FATAL_FAILURE(startAll("", /*with_broker=*/false));
  auto client = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(connectPacket("down-5", 5)));
  auto connack = client->readPacket(seconds(10));
  ASSERT_TRUE(connack);
  EXPECT_EQ(*connack, (std::vector<uint8_t>{0x20, 0x03, 0x00, 0x88, 0x00}));
  EXPECT_TRUE(client->waitClosed(seconds(5)));
}

TEST_F(TcpSpliceTest, BrokerDownSeenByMosquittoPub) {
  ASSERT_NO_FATAL_FAILURE(startAll("", /*with_broker=*/false));
  ChildProcess pub({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(gateway_->tcpPort()),
                    "-t", "x", "-m", "y"});
  EXPECT_NE(pub.wait(seconds(10)), 0);
  const std::string out = pub.readAll(seconds(5));
  EXPECT_NE(out.find("unavailable"), std::string::npos) << out;
}

TEST_F(TcpSpliceTest, BrokerKilledMidSessionClosesClientAndGatewayServesNext) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto client = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(connectPacket("victim")));
  auto connack = client->readPacket(seconds(10));
  ASSERT_TRUE(connack);
  EXPECT_EQ(*connack, (std::vector<uint8_t>{0x20, 0x02, 0x00, 0x00}));

  const uint16_t port = broker_->port();
  const auto killed_at = std::chrono::steady_clock::now();
  broker_->kill();
  // The issue asks for a close within 1 s; the bound here is loose so a slow CI machine cannot
  // flake, and the measured time is printed.
  ASSERT_TRUE(client->waitClosed(seconds(5)));
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                             killed_at);
  std::cout << "client saw the close " << took.count() << " ms after the broker died\n";

  // Gateway still alive; the next client is refused cleanly while the broker is down...
  ASSERT_EQ(httpGet(gateway_->adminPort(), "/healthz").status, 200);
  auto next = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(next);
  ASSERT_TRUE(next->send(connectPacket("next")));
  auto refused = next->readPacket(seconds(10));
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, (std::vector<uint8_t>{0x20, 0x02, 0x00, 0x03}));

  // ...and served again once the broker is back.
  broker_ = std::make_unique<MosquittoBroker>(dir_, port);
  ASSERT_TRUE(broker_->started());
  ASSERT_TRUE(gateway_->waitReady());
  auto sub = subscribe(gateway_->tcpPort(), "again", 1, 1);
  ASSERT_EQ(publish(gateway_->tcpPort(), "again", 1, "back"), 0);
  EXPECT_EQ(payloads(*sub), (std::vector<std::string>{"back"}));
}

TEST_F(TcpSpliceTest, MalformedPacketClosesOnlyThatClient) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto good = subscribe(gateway_->tcpPort(), "still/here", 1, 1);

  auto bad = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(bad);
  ASSERT_TRUE(bad->send(connectPacket("bad")));
  ASSERT_TRUE(bad->readPacket(seconds(10)));  // CONNACK
  // SUBSCRIBE with flags 0 instead of 0b0010 [MQTT-3.8.1-1]: malformed.
  ASSERT_TRUE(bad->send({0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}));
  EXPECT_TRUE(bad->waitClosed(seconds(5)));

  auto garbage = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(garbage);
  ASSERT_TRUE(garbage->send({'G', 'E', 'T', ' ', '/', '\r', '\n', '\r', '\n'}));
  EXPECT_TRUE(garbage->waitClosed(seconds(5)));

  ASSERT_EQ(publish(gateway_->tcpPort(), "still/here", 1, "fine"), 0);
  EXPECT_EQ(payloads(*good), (std::vector<std::string>{"fine"}));
  const auto metrics = httpGet(gateway_->adminPort(), "/metrics").body;
  EXPECT_NE(metrics.find("mqttd_errors_total{kind=\"malformed_packet\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(gateway_->log().find("closing client connection"), std::string::npos);
}

TEST_F(TcpSpliceTest, OversizePacketClosesClientWithV5Reason) {
  ASSERT_NO_FATAL_FAILURE(startAll("limits:\n  max_packet_size: 1KiB\n"));
  auto client = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(connectPacket("big5", 5)));
  ASSERT_TRUE(client->readPacket(seconds(10)));  // CONNACK
  ASSERT_TRUE(client->send(publishPacket("t", std::string(2000, 'x'), 5)));
  auto disconnect = client->readPacket(seconds(5));
  ASSERT_TRUE(disconnect);
  // MQTT 5.0 §3.14.2.1: DISCONNECT reason 0x95 "Packet too large".
  ASSERT_GE(disconnect->size(), 3u);
  EXPECT_EQ((*disconnect)[0], 0xE0);
  EXPECT_EQ((*disconnect)[2], 0x95);
  EXPECT_TRUE(client->waitClosed(seconds(5)));
  const auto metrics = httpGet(gateway_->adminPort(), "/metrics").body;
  EXPECT_NE(metrics.find("mqttd_errors_total{kind=\"packet_too_large\"} 1"), std::string::npos);
}

// [MQTT-3.1.0-1]: the first packet from the client must be CONNECT.
TEST_F(TcpSpliceTest, PublishBeforeConnectIsRefused) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto client = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishPacket("t", "early")));
  EXPECT_TRUE(client->waitClosed(seconds(5)));
  const auto metrics = httpGet(gateway_->adminPort(), "/metrics").body;
  EXPECT_NE(metrics.find("mqttd_errors_total{kind=\"protocol_violation\"} 1"), std::string::npos);
}

TEST_F(TcpSpliceTest, MetricsAndConnectionsDescribeTraffic) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  auto sub = subscribe(gateway_->tcpPort(), "m/t", 1, 1, {"-i", "watcher-1"});
  const auto connections = httpGet(gateway_->adminPort(), "/connections");
  EXPECT_EQ(connections.status, 200);
  EXPECT_NE(connections.body.find("\"client_id\":\"watcher-1\""), std::string::npos)
      << connections.body;
  EXPECT_NE(connections.body.find("\"transport\":\"tcp\""), std::string::npos);
  ASSERT_EQ(publish(gateway_->tcpPort(), "m/t", 1, "x"), 0);
  EXPECT_EQ(payloads(*sub).size(), 1u);

  const auto metrics = httpGet(gateway_->adminPort(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  const std::string& m = metrics.body;
  EXPECT_NE(m.find("mqttd_mqtt_packets_total{type=\"CONNECT\",direction=\"to_broker\"} 2"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("mqttd_mqtt_packets_total{type=\"SUBSCRIBE\",direction=\"to_broker\"} 1"),
            std::string::npos);
  EXPECT_NE(m.find("mqttd_mqtt_packets_total{type=\"PUBACK\",direction=\"to_client\"} 1"),
            std::string::npos);
  EXPECT_NE(m.find("mqttd_connections_total{transport=\"tcp\"} 2"), std::string::npos);
  EXPECT_NE(m.find("mqttd_build_info{version="), std::string::npos);
  EXPECT_EQ(httpGet(gateway_->adminPort(), "/nope").status, 404);
}

// A subscriber that stops reading is held back by backpressure (bounded buffers in the
// gateway), does not slow anybody else, and loses nothing once it reads again.
TEST_F(TcpSpliceTest, SlowSubscriberIsBackpressuredWithoutLossOrHarmToOthers) {
  ASSERT_NO_FATAL_FAILURE(startAll("limits:\n  buffer_high_water: 64KiB\n  buffer_low_water: 16KiB\n"));
  auto slow = TcpClient::connect(gateway_->tcpPort());
  ASSERT_TRUE(slow);
  ASSERT_TRUE(slow->send(connectPacket("slow")));
  ASSERT_TRUE(slow->readPacket(seconds(10)));  // CONNACK
  ASSERT_TRUE(slow->send(subscribePacket("flood", 0)));
  ASSERT_TRUE(slow->readPacket(seconds(10)));  // SUBACK
  auto other = subscribe(gateway_->tcpPort(), "other", 1, 1);

  // 24 MB for a client that reads nothing: far more than socket buffers absorb.
  constexpr int kMessages = 120;
  constexpr size_t kSize = 200 * 1024;
  for (int i = 0; i < kMessages; ++i) {
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%05d", i);
    std::string payload(kSize, static_cast<char>('a' + i % 26));
    payload.replace(0, 5, prefix);
    const std::string file = dir_ + "/flood.bin";
    std::ofstream(file, std::ios::trunc) << payload;
    ASSERT_EQ(publish(broker_->port(), "flood", 0, "", {"-f", file}), 0);
  }
  {
    std::ifstream status("/proc/" + std::to_string(gateway_->process().pid()) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmRSS:", 0) == 0) std::cout << "gateway with a blocked 24 MB flood: " << line << "\n";
  }
  // Another client through the same gateway is not held up.
  ASSERT_EQ(publish(gateway_->tcpPort(), "other", 1, "unaffected"), 0);
  EXPECT_EQ(payloads(*other), (std::vector<std::string>{"unaffected"}));

  // Now read everything: all messages, in order, intact.
  for (int i = 0; i < kMessages; ++i) {
    auto packet = slow->readPacket(seconds(30));
    ASSERT_TRUE(packet) << "message " << i << " missing";
    // 0x30, remaining length (3 bytes for 200 KiB), topic length 2 + "flood".
    const size_t header = 1 + 3 + 2 + 5;
    ASSERT_EQ(packet->size(), header + kSize) << "message " << i;
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%05d", i);
    EXPECT_EQ(std::string(packet->begin() + header, packet->begin() + header + 5), prefix);
    EXPECT_EQ((*packet)[header + kSize - 1], static_cast<uint8_t>('a' + i % 26));
  }
}

TEST_F(TcpSpliceTest, ReadyzFollowsTheBroker) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  EXPECT_EQ(httpGet(gateway_->adminPort(), "/readyz").status, 200);
  broker_->kill();
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    status = httpGet(gateway_->adminPort(), "/readyz").status;
    if (status == 200) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(status, 503);
  EXPECT_EQ(httpGet(gateway_->adminPort(), "/healthz").status, 200);
}

}  // namespace
}  // namespace mqttd::test
