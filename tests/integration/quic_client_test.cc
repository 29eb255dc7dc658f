// The project's own QUIC client (src/client) in-process against the real gateway and a real
// Mosquitto: behaviour that needs control over the client's QUIC connection.
#include <gtest/gtest.h>

#include <string>

#include "client/mqtt_client.h"
#include "client/quic_client_connection.h"
#include "core/event_loop.h"
#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using client::MqttClient;
using client::QuicClientConnection;

class QuicClientTest : public GatewayFixture {};

// The gateway frees its GnuTLS session once the handshake is done; 1-RTT keys, and so key
// updates (RFC 9001 §6), must keep working without it: a client-initiated key update in the
// middle of a QoS 1 exchange, then more messages both ways under the new keys.
TEST_F(QuicClientTest, KeyUpdateAfterTheHandshakeKeepsTheSessionWorking) {
  ASSERT_NO_FATAL_FAILURE(startAll());
  EventLoop loop;
  QuicClientConnection::Options options;
  options.tls.ca_file = gateway_->certPath();
  options.tls.server_name = "localhost";
  QuicClientConnection quic(loop, options);
  std::vector<std::string> received;
  bool key_update_started = false;
  std::string closed_because;
  std::unique_ptr<MqttClient> mqtt;
  auto publish = [&](const char* text) {
    const std::string s(text);
    ASSERT_TRUE(mqtt->publish("keys/t", std::vector<uint8_t>(s.begin(), s.end()), 1, false));
  };
  MqttClient::Callbacks cb;
  cb.on_connected = [&](bool) { ASSERT_TRUE(mqtt->subscribe({{"keys/#", 1}})); };
  cb.on_subscribed = [&](uint16_t, std::vector<uint8_t>) { publish("before"); };
  cb.on_message = [&](const client::MqttMessage& m) {
    received.emplace_back(m.payload.begin(), m.payload.end());
    if (received.size() == 1) {
      key_update_started = quic.initiateKeyUpdate();
      publish("after-1");
      publish("after-2");
    } else if (received.size() == 3) {
      mqtt->disconnect();
    }
  };
  cb.on_closed = [&](const client::MqttClose& c) {
    closed_because = c.text;
    loop.stop();
  };
  client::MqttClientOptions mo;
  mo.client_id = "key-update";
  mqtt = std::make_unique<MqttClient>(loop, quic, mo, cb);
  Timer deadline(loop, [&] { loop.stop(); });
  deadline.start(std::chrono::seconds(20));
  ASSERT_TRUE(mqtt->connect(SocketAddress::parse("127.0.0.1:" + std::to_string(gateway_->quicPort())).value()));
  loop.run();
  EXPECT_TRUE(key_update_started);
  EXPECT_EQ(received, (std::vector<std::string>{"before", "after-1", "after-2"})) << closed_because;
}

// The gateway's idle timeout is 1 s, the client's MQTT keepalive 2 s and its QUIC stack sends no
// PING of its own: the CONNECT stretches the idle timeout to 1.5 x 2 s, so the connection
// outlives 4 s of near silence (only the client's PINGREQs) and a publish afterwards works.
TEST_F(QuicClientTest, IdleTimeoutFollowsTheMqttKeepaliveOfTheConnect) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    idle_timeout: 1s\n"));
  EventLoop loop;
  QuicClientConnection::Options options;
  options.tls.ca_file = gateway_->certPath();
  options.tls.server_name = "localhost";
  options.idle_timeout = std::chrono::seconds(60);
  options.keep_alive = std::chrono::seconds(60);  // no QUIC PING within the test
  QuicClientConnection quic(loop, options);
  std::unique_ptr<MqttClient> mqtt;
  bool acked = false;
  std::string closed_because;
  Timer later(loop, [&] {
    const std::string s = "still here";
    ASSERT_TRUE(mqtt->publish("quiet/t", std::vector<uint8_t>(s.begin(), s.end()), 1, false));
  });
  MqttClient::Callbacks cb;
  cb.on_connected = [&](bool) { later.start(std::chrono::milliseconds(4000)); };
  cb.on_published = [&](uint16_t, uint8_t code) {
    acked = code == 0;
    mqtt->disconnect();
  };
  cb.on_closed = [&](const client::MqttClose& c) {
    closed_because = c.text;
    loop.stop();
  };
  client::MqttClientOptions mo;
  mo.client_id = "quiet";
  mo.keep_alive = 2;
  mqtt = std::make_unique<MqttClient>(loop, quic, mo, cb);
  Timer deadline(loop, [&] { loop.stop(); });
  deadline.start(std::chrono::seconds(20));
  ASSERT_TRUE(mqtt->connect(SocketAddress::parse("127.0.0.1:" + std::to_string(gateway_->quicPort())).value()));
  loop.run();
  EXPECT_TRUE(acked) << "closed: " << closed_because;
}

}  // namespace
}  // namespace mqttd::test
