// MqttClient state machine against a scripted in-memory transport: no sockets, no timers run.
#include "client/mqtt_client.h"

#include <gtest/gtest.h>

#include "../mqtt/test_bytes.h"

#include <string>
#include <vector>

#include "mqtt/packet.h"

namespace mqttd::client {
namespace {

using mqtt::PacketType;
using mqtt::ProtocolVersion;

using mqtt::testing::hex;

class FakeTransport final : public ClientTransport {
 public:
  Result<void, std::string> connect(const SocketAddress&, Callbacks callbacks) override {
    callbacks_ = std::move(callbacks);
    return {};
  }
  void write(std::span<const uint8_t> data) override {
    written_.insert(written_.end(), data.begin(), data.end());
  }
  void shutdownWrite() override { fin_sent = true; }
  void close() override {
    if (closed) return;
    closed = true;
    if (callbacks_.on_closed) callbacks_.on_closed({TransportCloseReason::kClosedByUs, "closed"});
  }
  size_t pendingOutput() const override { return 0; }
  bool connected() const override { return up_; }
  std::string_view name() const override { return "fake"; }

  void up() {
    up_ = true;
    callbacks_.on_connected();
  }
  void receive(const std::vector<uint8_t>& bytes) { callbacks_.on_data(bytes); }
  void peerFin() { callbacks_.on_fin(); }
  void peerClose(TransportClose c) {
    closed = true;
    callbacks_.on_closed(c);
  }

  // Takes the next whole packet the client wrote: its type and raw bytes.
  struct Sent {
    PacketType type;
    std::vector<uint8_t> bytes;
  };
  std::vector<Sent> takeAll() {
    std::vector<Sent> out;
    size_t off = 0;
    while (off < written_.size()) {
      auto h = mqtt::decodeFixedHeader({written_.data() + off, written_.size() - off},
                                       mqtt::kMaxPacketSizeLimit);
      EXPECT_TRUE(h.ok() && h->has_value());
      if (!h.ok() || !h->has_value()) break;
      const size_t n = (*h)->packetSize();
      out.push_back({(*h)->type, {written_.begin() + off, written_.begin() + off + n}});
      off += n;
    }
    written_.clear();
    return out;
  }

  bool fin_sent = false;
  bool closed = false;

 private:
  Callbacks callbacks_;
  std::vector<uint8_t> written_;
  bool up_ = false;
};

class MqttClientTest : public ::testing::Test {
 protected:
  void start(ProtocolVersion version = ProtocolVersion::kV311) {
    MqttClientOptions o;
    o.version = version;
    o.client_id = "cli";
    o.keep_alive = 30;
    client_ = std::make_unique<MqttClient>(
        loop_, transport_, o,
        MqttClient::Callbacks{
            .on_connected = [this](bool) { ++connected_; },
            .on_message = [this](const MqttMessage& m) { messages_.push_back(m); },
            .on_published = [this](uint16_t id, uint8_t rc) { published_.push_back({id, rc}); },
            .on_subscribed = [this](uint16_t, std::vector<uint8_t> c) { suback_codes_ = c; },
            .on_unsubscribed = [this](uint16_t id) { unsubscribed_.push_back(id); },
            .on_closed = [this](const MqttClose& c) { closes_.push_back(c); },
        });
    ASSERT_TRUE(client_->connect(*SocketAddress::parse("127.0.0.1:1")).ok());
  }
  void connectOk(ProtocolVersion version = ProtocolVersion::kV311) {
    start(version);
    transport_.up();
    auto sent = transport_.takeAll();
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(sent[0].type, PacketType::kConnect);
    transport_.receive(mqtt::isV5(version) ? hex("20 03 00 00 00") : hex("20 02 00 00"));
    ASSERT_EQ(connected_, 1);
  }

  EventLoop loop_;
  FakeTransport transport_;
  std::unique_ptr<MqttClient> client_;
  int connected_ = 0;
  std::vector<MqttMessage> messages_;
  std::vector<std::pair<uint16_t, uint8_t>> published_;
  std::vector<uint8_t> suback_codes_;
  std::vector<uint16_t> unsubscribed_;
  std::vector<MqttClose> closes_;
};

// [MQTT-3.1.0-1]: CONNECT is the first packet, sent once the transport is up.
TEST_F(MqttClientTest, SendsConnectWhenTheTransportIsUp) {
  start();
  EXPECT_TRUE(transport_.takeAll().empty());
  transport_.up();
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  auto h = mqtt::decodeFixedHeader(sent[0].bytes, mqtt::kMaxPacketSizeLimit);
  auto c = mqtt::ConnectPacket::decode(
      std::span<const uint8_t>(sent[0].bytes).subspan((*h)->size));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->version, ProtocolVersion::kV311);
  EXPECT_EQ(c->client_id, "cli");
  EXPECT_EQ(c->keep_alive, 30);
  EXPECT_TRUE(c->clean_start);
}

TEST_F(MqttClientTest, V5ConnectCarriesProtocolLevel5) {
  start(ProtocolVersion::kV5);
  transport_.up();
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  // 10 len 00 04 'MQTT' 05 ...
  EXPECT_EQ(sent[0].bytes[8], 5);
}

// [MQTT-3.2.2-5]: a non-zero return code means the server closes; we report it.
TEST_F(MqttClientTest, ConnackRefusalIsReportedLikeMosquitto) {
  start();
  transport_.up();
  (void)transport_.takeAll();
  transport_.receive(hex("20 02 00 03"));
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kConnackRefused);
  EXPECT_EQ(closes_[0].code, 3);
  EXPECT_EQ(closes_[0].text, "Connection Refused: server unavailable.");
  EXPECT_TRUE(transport_.closed);
  EXPECT_EQ(connected_, 0);
}

TEST_F(MqttClientTest, V5ConnackReasonCodeText) {
  EXPECT_EQ(describeConnack(ProtocolVersion::kV5, 0x88), "Connection Refused: server unavailable.");
  EXPECT_EQ(describeConnack(ProtocolVersion::kV5, 0x87), "Connection Refused: not authorised.");
  EXPECT_EQ(describeConnack(ProtocolVersion::kV311, 5), "Connection Refused: not authorised.");
}

TEST_F(MqttClientTest, PacketBeforeConnackIsAProtocolError) {
  start();
  transport_.up();
  transport_.receive(hex("d0 00"));  // PINGRESP
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kProtocolError);
}

TEST_F(MqttClientTest, PublishIsRefusedBeforeConnack) {
  start();
  transport_.up();
  EXPECT_FALSE(client_->publish("t", hex("01"), 1, false).ok());
}

TEST_F(MqttClientTest, Qos0PublishHasNoPacketIdAndNoAck) {
  connectOk();
  auto id = client_->publish("a/b", hex("68 69"), 0, false);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 0);
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("30 07 00 03 61 2f 62 68 69"));
  EXPECT_EQ(client_->inflight(), 0u);
}

// [MQTT-4.3.2-1]: QoS 1 is complete when PUBACK with the same packet id arrives.
TEST_F(MqttClientTest, Qos1PublishCompletesOnPuback) {
  connectOk();
  auto id = client_->publish("t", hex("01"), 1, true);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 1);
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("33 06 00 01 74 00 01 01"));
  EXPECT_EQ(client_->inflight(), 1u);
  transport_.receive(hex("40 02 00 01"));
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0], (std::pair<uint16_t, uint8_t>{1, 0}));
  EXPECT_EQ(client_->inflight(), 0u);
}

// [MQTT-4.3.3-1]: PUBLISH -> PUBREC -> PUBREL -> PUBCOMP.
TEST_F(MqttClientTest, Qos2PublishRunsTheFourPacketFlow) {
  connectOk();
  auto id = client_->publish("t", hex("01"), 2, false);
  ASSERT_TRUE(id.ok());
  (void)transport_.takeAll();
  transport_.receive(hex("50 02 00 01"));  // PUBREC
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("62 02 00 01"));  // PUBREL, flags 0010 [MQTT-3.6.1-1]
  EXPECT_TRUE(published_.empty());
  transport_.receive(hex("70 02 00 01"));  // PUBCOMP
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(client_->inflight(), 0u);
}

TEST_F(MqttClientTest, V5PubrecFailureEndsTheFlowWithoutPubrel) {
  connectOk(ProtocolVersion::kV5);
  ASSERT_TRUE(client_->publish("t", hex("01"), 2, false).ok());
  (void)transport_.takeAll();
  transport_.receive(hex("50 03 00 01 87"));  // PUBREC, not authorised
  EXPECT_TRUE(transport_.takeAll().empty());
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0].second, 0x87);
}

TEST_F(MqttClientTest, IncomingQos1IsDeliveredAndAcked) {
  connectOk();
  transport_.receive(hex("32 06 00 01 74 00 05 41"));
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].topic, "t");
  EXPECT_EQ(messages_[0].payload, hex("41"));
  EXPECT_EQ(messages_[0].qos, 1);
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("40 02 00 05"));
}

// [MQTT-4.3.3-2] method B: deliver once, PUBREC every time, PUBCOMP on PUBREL.
TEST_F(MqttClientTest, IncomingQos2IsDeliveredOnceAcrossRetransmission) {
  connectOk();
  transport_.receive(hex("34 06 00 01 74 00 07 41"));
  transport_.receive(hex("3c 06 00 01 74 00 07 41"));  // DUP retransmission
  EXPECT_EQ(messages_.size(), 1u);
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].bytes, hex("50 02 00 07"));
  EXPECT_EQ(sent[1].bytes, hex("50 02 00 07"));
  transport_.receive(hex("62 02 00 07"));
  sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("70 02 00 07"));
  transport_.receive(hex("34 06 00 01 74 00 07 42"));  // id reusable after PUBREL
  EXPECT_EQ(messages_.size(), 2u);
}

TEST_F(MqttClientTest, PacketsSplitAcrossReadsAreReassembled) {
  connectOk();
  const auto two = hex("30 04 00 01 74 41 30 04 00 01 74 42");
  for (uint8_t b : two) transport_.receive({b});
  ASSERT_EQ(messages_.size(), 2u);
  EXPECT_EQ(messages_[1].payload, hex("42"));
}

TEST_F(MqttClientTest, MalformedPacketClosesWithProtocolError) {
  connectOk();
  transport_.receive(hex("00 00"));
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kProtocolError);
  EXPECT_TRUE(transport_.closed);
}

TEST_F(MqttClientTest, UnknownPubackIsAProtocolError) {
  connectOk();
  transport_.receive(hex("40 02 00 09"));
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kProtocolError);
}

TEST_F(MqttClientTest, SubscribeAndUnsubscribe) {
  connectOk();
  auto id = client_->subscribe({{"a/#", 1}, {"b", 2}});
  ASSERT_TRUE(id.ok());
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("82 0c 00 01 00 03 61 2f 23 01 00 01 62 02"));
  transport_.receive(hex("90 04 00 01 01 80"));
  EXPECT_EQ(suback_codes_, hex("01 80"));
  auto uid = client_->unsubscribe({"a/#"});
  ASSERT_TRUE(uid.ok());
  EXPECT_EQ(*uid, 2);
  transport_.receive(hex("b0 02 00 02"));
  EXPECT_EQ(unsubscribed_, std::vector<uint16_t>{2});
  EXPECT_EQ(client_->inflight(), 0u);
}

TEST_F(MqttClientTest, PacketIdsSkipThoseInUse) {
  connectOk();
  EXPECT_EQ(*client_->publish("t", {}, 1, false), 1);
  EXPECT_EQ(*client_->publish("t", {}, 1, false), 2);
  transport_.receive(hex("40 02 00 01"));
  EXPECT_EQ(*client_->publish("t", {}, 1, false), 3);
}

TEST_F(MqttClientTest, PacketIdsRunOutAt65535InFlight) {
  connectOk();
  for (int i = 0; i < 65535; ++i) ASSERT_TRUE(client_->publish("t", {}, 1, false).ok());
  EXPECT_FALSE(client_->publish("t", {}, 1, false).ok());
  transport_.receive(hex("40 02 01 00"));  // frees id 256
  auto id = client_->publish("t", {}, 1, false);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 256);
}

TEST_F(MqttClientTest, DisconnectSendsDisconnectAndFinThenClosesOnPeerFin) {
  connectOk();
  client_->disconnect();
  auto sent = transport_.takeAll();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].bytes, hex("e0 00"));
  EXPECT_TRUE(transport_.fin_sent);
  EXPECT_TRUE(closes_.empty());
  transport_.peerFin();
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kDisconnected);
}

TEST_F(MqttClientTest, TransportFailureIsReportedWithItsReason) {
  start();
  transport_.peerClose({TransportCloseReason::kTlsVerifyFailed, "certificate verify failed"});
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kTransportClosed);
  ASSERT_TRUE(closes_[0].transport.has_value());
  EXPECT_EQ(closes_[0].transport->reason, TransportCloseReason::kTlsVerifyFailed);
}

TEST_F(MqttClientTest, ServerDisconnectV5IsReported) {
  connectOk(ProtocolVersion::kV5);
  transport_.receive(hex("e0 01 8b"));
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].reason, MqttCloseReason::kServerDisconnected);
  EXPECT_EQ(closes_[0].code, 0x8b);
}

}  // namespace
}  // namespace mqttd::client
