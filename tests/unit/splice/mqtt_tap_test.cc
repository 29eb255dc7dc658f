#include "splice/mqtt_tap.h"

#include <event2/buffer.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace mqttd {
namespace {

using Bytes = std::vector<uint8_t>;

// CONNECT "MQTT" level 4, clean session, keepalive 60, client id "c1".
const Bytes kConnect311 = {0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04,
                           0x02, 0x00, 0x3c, 0x00, 0x02, 'c', '1'};
// The same at level 5 with an empty property block.
const Bytes kConnect5 = {0x10, 0x0f, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                         0x02, 0x00, 0x3c, 0x00, 0x00, 0x02, 'c', '5'};
const Bytes kPingreq = {0xc0, 0x00};

struct EvBuffer {
  EvBuffer() : buf(evbuffer_new()) {}
  ~EvBuffer() { evbuffer_free(buf); }
  Bytes bytes() const {
    Bytes out(evbuffer_get_length(buf));
    evbuffer_copyout(buf, out.data(), out.size());
    return out;
  }
  evbuffer* buf;
};

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// PUBLISH with QoS `qos` (packet id `id` when qos > 0), `flags_extra` OR-ed into byte 1 (DUP 0x08,
// RETAIN 0x01); v5 with a Topic Alias property when `alias` != 0 (an empty property block else).
Bytes publishQ(const std::string& topic, const std::string& payload, uint8_t qos, uint16_t id,
               bool v5 = false, uint16_t alias = 0, uint8_t flags_extra = 0) {
  Bytes body;
  body.push_back(static_cast<uint8_t>(topic.size() >> 8));
  body.push_back(static_cast<uint8_t>(topic.size()));
  body.insert(body.end(), topic.begin(), topic.end());
  if (qos > 0) {
    body.push_back(static_cast<uint8_t>(id >> 8));
    body.push_back(static_cast<uint8_t>(id));
  }
  if (v5 && alias != 0) {
    body.insert(body.end(), {0x03, 0x23, static_cast<uint8_t>(alias >> 8),
                             static_cast<uint8_t>(alias)});
  } else if (v5) {
    body.push_back(0x00);
  }
  body.insert(body.end(), payload.begin(), payload.end());
  Bytes out{static_cast<uint8_t>(0x30 | (qos << 1) | flags_extra)};
  size_t n = body.size();
  do {
    uint8_t b = n % 128;
    n /= 128;
    if (n) b |= 0x80;
    out.push_back(b);
  } while (n);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// PUBLISH QoS 0 with `payload_size` bytes of payload; `v5` adds the (empty) property block.
Bytes publish(const std::string& topic, size_t payload_size, bool v5 = false) {
  return publishQ(topic, std::string(payload_size, 'p'), 0, 0, v5);
}

TEST(MqttTapTest, ForwardsValidPacketsUnchangedAndLearnsTheClient) {
  MqttTap tap(1 << 20);
  std::vector<mqtt::PacketType> seen;
  tap.on_packet = [&](mqtt::PacketType t) { seen.push_back(t); };
  EvBuffer out;
  const Bytes in = concat({kConnect311, kPingreq, publish("a/b", 10)});
  auto used = tap.process(in, out.buf);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, in.size());
  EXPECT_EQ(out.bytes(), in);
  EXPECT_TRUE(tap.connectSeen());
  EXPECT_EQ(tap.version(), mqtt::ProtocolVersion::kV311);
  EXPECT_EQ(tap.clientId(), "c1");
  EXPECT_EQ(seen, (std::vector<mqtt::PacketType>{mqtt::PacketType::kConnect,
                                                 mqtt::PacketType::kPingreq,
                                                 mqtt::PacketType::kPublish}));
  EXPECT_TRUE(tap.atPacketBoundary());
}

TEST(MqttTapTest, ByteByByteGivesTheSameResult) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  const Bytes in = concat({kConnect5, publish("x", 300, /*v5=*/true), kPingreq});
  for (uint8_t b : in) {
    auto used = tap.process(std::span<const uint8_t>(&b, 1), out.buf);
    ASSERT_TRUE(used);
    ASSERT_EQ(*used, 1u);
  }
  EXPECT_EQ(out.bytes(), in);
  EXPECT_EQ(tap.version(), mqtt::ProtocolVersion::kV5);
}

TEST(MqttTapTest, ControlPacketIsHeldBackUntilComplete) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  const Bytes half(kConnect311.begin(), kConnect311.begin() + 8);
  ASSERT_TRUE(tap.process(half, out.buf));
  EXPECT_EQ(evbuffer_get_length(out.buf), 0u);
  EXPECT_FALSE(tap.atPacketBoundary());
  const Bytes rest(kConnect311.begin() + 8, kConnect311.end());
  ASSERT_TRUE(tap.process(rest, out.buf));
  EXPECT_EQ(out.bytes(), kConnect311);
}

TEST(MqttTapTest, PublishPayloadStreamsWithoutWaitingForTheEnd) {
  MqttTap tap(64 << 20);
  EvBuffer out;
  ASSERT_TRUE(tap.process(kConnect311, out.buf));
  const Bytes big = publish("big", 10 * 1024 * 1024);
  // Feed the first 100 KiB: the header plus ~100 KiB of payload must already be forwarded.
  const size_t first = 100 * 1024;
  ASSERT_TRUE(tap.process(std::span<const uint8_t>(big.data(), first), out.buf));
  EXPECT_EQ(evbuffer_get_length(out.buf), kConnect311.size() + first);
  ASSERT_TRUE(tap.process(std::span<const uint8_t>(big.data() + first, big.size() - first),
                          out.buf));
  EXPECT_EQ(evbuffer_get_length(out.buf), kConnect311.size() + big.size());
  EXPECT_TRUE(tap.atPacketBoundary());
}

// [MQTT-3.1.0-1] The first packet sent from the client to the server MUST be CONNECT.
TEST(MqttTapTest, FirstPacketMustBeConnect) {
  MqttTap tap(1 << 20);
  auto used = tap.process(kPingreq, nullptr);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().kind, TapError::Kind::kProtocolViolation);
}

// [MQTT-3.1.0-2] A second CONNECT is a protocol violation.
TEST(MqttTapTest, SecondConnectIsRefused) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  ASSERT_TRUE(tap.process(kConnect311, out.buf));
  auto used = tap.process(kConnect311, out.buf);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().kind, TapError::Kind::kProtocolViolation);
  EXPECT_EQ(out.bytes(), kConnect311);  // nothing of the second one went through
}

TEST(MqttTapTest, OversizePacketIsRefusedAtItsFixedHeader) {
  MqttTap tap(1024);
  EvBuffer out;
  ASSERT_TRUE(tap.process(kConnect311, out.buf));
  const Bytes big = publish("t", 2000);
  auto used = tap.process(std::span<const uint8_t>(big.data(), 3), out.buf);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().kind, TapError::Kind::kTooLarge);
  EXPECT_EQ(out.bytes(), kConnect311);
}

// [MQTT-3.8.1-1] SUBSCRIBE flags must be 0010.
TEST(MqttTapTest, MalformedControlPacketIsNotForwarded) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  ASSERT_TRUE(tap.process(kConnect311, out.buf));
  auto used = tap.process(Bytes{0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}, out.buf);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().kind, TapError::Kind::kMalformed);
  EXPECT_EQ(out.bytes(), kConnect311);
}

// [MQTT-3.3.2-2] The topic name in PUBLISH must not contain wildcards.
TEST(MqttTapTest, PublishWithWildcardTopicIsMalformed) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  ASSERT_TRUE(tap.process(kConnect311, out.buf));
  auto used = tap.process(publish("a/#", 4), out.buf);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().kind, TapError::Kind::kMalformed);
}

TEST(MqttTapTest, PublishTopicLongerThanThePacketIsMalformedAtOnce) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  ASSERT_TRUE(tap.process(kConnect311, out.buf));
  // Remaining length 5, topic length 200.
  auto used = tap.process(Bytes{0x30, 0x05, 0x00, 0xc8, 'a', 'b', 'c'}, out.buf);
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().kind, TapError::Kind::kMalformed);
}

TEST(MqttTapTest, NullOutputParsesButDropsEverything) {
  MqttTap tap(1 << 20);
  auto used = tap.process(kConnect5, nullptr);
  ASSERT_TRUE(used);
  EXPECT_TRUE(tap.connectSeen());
  EXPECT_EQ(tap.version(), mqtt::ProtocolVersion::kV5);
}


// ---- Local routing (docs/routing.md) ----

// A tap whose routes are a map topic -> verdict (default forward), recording what it reports.
struct RoutedTap {
  explicit RoutedTap(const Bytes& connect) : tap(1 << 20) {
    tap.on_publish = [this](const PublishInfo& info) {
      seen.emplace_back(info.topic);
      const auto it = verdicts.find(std::string(info.topic));
      return it == verdicts.end() ? PublishVerdict{} : it->second;
    };
    tap.on_captured = [this](const PublishInfo& info, std::string payload) {
      captured.emplace_back(std::string(info.topic), std::move(payload));
      captured_qos.push_back(info.qos);
    };
    tap.on_reply = [this](Bytes packet) { replies.insert(replies.end(), packet.begin(), packet.end()); };
    EXPECT_TRUE(tap.process(connect, out.buf));
    (void)evbuffer_drain(out.buf, evbuffer_get_length(out.buf));
  }
  // Feeds `bytes` in pieces of `step` bytes; returns false on a tap error (kept in `error`).
  bool feed(const Bytes& bytes, size_t step = 1000000) {
    for (size_t i = 0; i < bytes.size(); i += step) {
      const size_t n = std::min(step, bytes.size() - i);
      auto used = tap.process(std::span<const uint8_t>(bytes.data() + i, n), out.buf);
      if (!used) {
        error = used.error();
        return false;
      }
    }
    return true;
  }
  Bytes takeReplies() { return std::exchange(replies, {}); }
  Bytes takeOut() {
    Bytes b = out.bytes();
    (void)evbuffer_drain(out.buf, b.size());
    return b;
  }

  using Disposition = PublishVerdict::Disposition;
  MqttTap tap;
  EvBuffer out;
  std::map<std::string, PublishVerdict> verdicts;
  std::vector<std::string> seen;
  std::vector<std::pair<std::string, std::string>> captured;
  std::vector<uint8_t> captured_qos;
  Bytes replies;
  std::optional<TapError> error;
};

TEST(MqttTapRouteTest, TapForwardsUnchangedAndCapturesThePayloadAcrossChunks) {
  RoutedTap t(kConnect311);
  t.verdicts["sensors/t"] = {RoutedTap::Disposition::kForward, true};
  const Bytes packet = publishQ("sensors/t", std::string(3000, 'x') + "end", 1, 9);
  ASSERT_TRUE(t.feed(packet, 7));  // the header slice and the payload both arrive in pieces
  EXPECT_EQ(t.takeOut(), packet);
  ASSERT_EQ(t.captured.size(), 1u);
  EXPECT_EQ(t.captured[0].first, "sensors/t");
  EXPECT_EQ(t.captured[0].second, std::string(3000, 'x') + "end");
  EXPECT_TRUE(t.takeReplies().empty());  // the broker acks a tapped message
}

// [MQTT-4.3.3]: the broker delivers a QoS 2 message once even when the client sends it again
// (DUP) before PUBREL; a tap's handler gets it once too.
TEST(MqttTapRouteTest, TapOfQos2DupIsCopiedOnce) {
  RoutedTap t(kConnect311);
  t.verdicts["s/q2"] = {RoutedTap::Disposition::kForward, true};
  const Bytes first = publishQ("s/q2", "once", 2, 7);
  const Bytes dup = publishQ("s/q2", "once", 2, 7, false, 0, 0x08);
  ASSERT_TRUE(t.feed(concat({first, dup, Bytes{0x62, 0x02, 0x00, 0x07}})));
  EXPECT_EQ(t.takeOut(), concat({first, dup, Bytes{0x62, 0x02, 0x00, 0x07}}));
  EXPECT_EQ(t.captured.size(), 1u);
  ASSERT_TRUE(t.feed(publishQ("s/q2", "next", 2, 7)));  // id 7 reused after PUBREL: a new message
  EXPECT_EQ(t.captured.size(), 2u);
}

// 5.0 §3.3.2.3.4: Topic Alias 0 is "Topic Alias invalid" (0x94), not a malformed packet.
TEST(MqttTapRouteTest, TopicAliasZeroIsAnAliasError) {
  RoutedTap t(kConnect5);
  // PUBLISH QoS 1, topic "a", id 1, properties: Topic Alias (0x23) = 0.
  EXPECT_FALSE(t.feed(Bytes{0x32, 0x09, 0x00, 0x01, 'a', 0x00, 0x01, 0x03, 0x23, 0x00, 0x00}));
  ASSERT_TRUE(t.error);
  EXPECT_EQ(t.error->kind, TapError::Kind::kTopicAliasInvalid);
}

TEST(MqttTapRouteTest, NoHookForwardsEverythingAndCapturesNothing) {
  MqttTap tap(1 << 20);
  EvBuffer out;
  const Bytes bytes = concat({kConnect311, publishQ("a/b", "hello", 1, 3)});
  ASSERT_TRUE(tap.process(bytes, out.buf));
  EXPECT_EQ(out.bytes(), bytes);
}

// [MQTT-4.3.2]: QoS 1 kept local is answered with a PUBACK carrying its packet identifier.
TEST(MqttTapRouteTest, LocalQos1IsAckedByTheGatewayAndNotForwarded) {
  RoutedTap t(kConnect311);
  t.verdicts["local/a"] = {RoutedTap::Disposition::kLocal, true};
  ASSERT_TRUE(t.feed(concat({publishQ("local/a", "hi", 1, 5), publishQ("fwd", "x", 0, 0)}), 3));
  EXPECT_EQ(t.takeOut(), publishQ("fwd", "x", 0, 0));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x40, 0x02, 0x00, 0x05}));
  ASSERT_EQ(t.captured.size(), 1u);
  EXPECT_EQ(t.captured[0], (std::pair<std::string, std::string>{"local/a", "hi"}));
  EXPECT_EQ(t.captured_qos[0], 1);
}

// [MQTT-4.3.3]: PUBREC, then PUBCOMP for the PUBREL; a DUP re-send is acked again, delivered once;
// the PUBREL never reaches the broker, and once complete the identifier is free again.
TEST(MqttTapRouteTest, LocalQos2CompletesTheFlowAndDeliversOnce) {
  RoutedTap t(kConnect311);
  t.verdicts["local/q2"] = {RoutedTap::Disposition::kLocal, true};
  ASSERT_TRUE(t.feed(publishQ("local/q2", "once", 2, 7)));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x50, 0x02, 0x00, 0x07}));
  ASSERT_TRUE(t.feed(publishQ("local/q2", "once", 2, 7, false, 0, 0x08)));  // DUP
  EXPECT_EQ(t.takeReplies(), (Bytes{0x50, 0x02, 0x00, 0x07}));
  ASSERT_TRUE(t.feed(Bytes{0x62, 0x02, 0x00, 0x07}));  // PUBREL 7
  EXPECT_EQ(t.takeReplies(), (Bytes{0x70, 0x02, 0x00, 0x07}));
  EXPECT_TRUE(t.takeOut().empty());
  EXPECT_EQ(t.captured.size(), 1u);
  ASSERT_TRUE(t.feed(Bytes{0x62, 0x02, 0x00, 0x07}));  // not ours any more: the broker's business
  EXPECT_EQ(t.takeOut(), (Bytes{0x62, 0x02, 0x00, 0x07}));
  EXPECT_TRUE(t.takeReplies().empty());
}

TEST(MqttTapRouteTest, DropV5AcksWithNotAuthorizedAndKeepsNoState) {
  RoutedTap t(kConnect5);
  t.verdicts["blocked/x"] = {RoutedTap::Disposition::kDrop, true};
  ASSERT_TRUE(t.feed(publishQ("blocked/x", "no", 1, 5, true)));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x40, 0x03, 0x00, 0x05, 0x87}));
  ASSERT_TRUE(t.feed(publishQ("blocked/x", "no", 2, 6, true)));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x50, 0x03, 0x00, 0x06, 0x87}));
  ASSERT_TRUE(t.feed(publishQ("blocked/x", "no", 0, 0, true)));
  EXPECT_TRUE(t.takeReplies().empty());
  EXPECT_TRUE(t.takeOut().empty());
  EXPECT_TRUE(t.captured.empty());  // nobody sees a dropped message
  // A PUBREC >= 0x80 ended the QoS 2 flow: a PUBREL 6 is not the gateway's to answer.
  ASSERT_TRUE(t.feed(Bytes{0x62, 0x02, 0x00, 0x06}));
  EXPECT_TRUE(t.takeReplies().empty());
}

TEST(MqttTapRouteTest, DropV311IgnoreAcksAsDeliveredAndDisconnectFails) {
  RoutedTap t(kConnect311);
  t.verdicts["blocked/x"] = {RoutedTap::Disposition::kDrop, false};
  t.verdicts["blocked/y"] = {RoutedTap::Disposition::kDropDisconnect, false};
  ASSERT_TRUE(t.feed(publishQ("blocked/x", "no", 1, 5)));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x40, 0x02, 0x00, 0x05}));
  ASSERT_TRUE(t.feed(publishQ("blocked/x", "no", 2, 6)));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x50, 0x02, 0x00, 0x06}));
  ASSERT_TRUE(t.feed(Bytes{0x62, 0x02, 0x00, 0x06}));
  EXPECT_EQ(t.takeReplies(), (Bytes{0x70, 0x02, 0x00, 0x06}));
  EXPECT_TRUE(t.takeOut().empty());
  EXPECT_FALSE(t.feed(publishQ("blocked/y", "no", 1, 8)));
  ASSERT_TRUE(t.error);
  EXPECT_EQ(t.error->kind, TapError::Kind::kRefused);
  EXPECT_TRUE(t.takeOut().empty());
}

TEST(MqttTapRouteTest, V5TopicAliasesAreResolvedForRoutes) {
  RoutedTap t(kConnect5);
  const Bytes set = publishQ("a/b", "1", 1, 1, true, 1);
  const Bytes use = publishQ("", "2", 1, 2, true, 1);
  ASSERT_TRUE(t.feed(concat({set, use})));
  EXPECT_EQ(t.seen, (std::vector<std::string>{"a/b", "a/b"}));
  EXPECT_EQ(t.takeOut(), concat({set, use}));  // the broker knows alias 1: forwarded unchanged
}

TEST(MqttTapRouteTest, AliasSetByAKeptMessageIsWrittenBackWhenForwarded) {
  RoutedTap t(kConnect5);
  t.verdicts["x/y"] = {RoutedTap::Disposition::kLocal, true};
  ASSERT_TRUE(t.feed(publishQ("x/y", "kept", 0, 0, true, 2)));
  EXPECT_TRUE(t.takeOut().empty());
  t.verdicts.clear();  // as after a reload: x/y is forwarded now
  ASSERT_TRUE(t.feed(publishQ("", "fwd", 1, 3, true, 2), 2));
  // The broker never saw alias 2: the forwarded PUBLISH carries the topic and the alias.
  EXPECT_EQ(t.takeOut(), publishQ("x/y", "fwd", 1, 3, true, 2));
  ASSERT_TRUE(t.feed(publishQ("", "again", 1, 4, true, 2)));
  EXPECT_EQ(t.takeOut(), publishQ("", "again", 1, 4, true, 2));  // now it knows
}

// 5.0 §3.3.2.3.4: an alias the client never set is a Topic Alias invalid error (0x94).
TEST(MqttTapRouteTest, UnknownTopicAliasIsAnError) {
  RoutedTap t(kConnect5);
  EXPECT_FALSE(t.feed(publishQ("", "?", 0, 0, true, 3)));
  ASSERT_TRUE(t.error);
  EXPECT_EQ(t.error->kind, TapError::Kind::kTopicAliasInvalid);
  EXPECT_TRUE(t.takeOut().empty());
}

TEST(MqttTapRouteTest, UsernameIsLearntFromConnect) {
  // CONNECT 3.1.1 with user name flag (0x80) and clean session: client "c", user "u1".
  const Bytes connect = {0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x82,
                         0x00, 0x3c, 0x00, 0x01, 'c', 0x00, 0x02, 'u', '1'};
  RoutedTap t(connect);
  EXPECT_EQ(t.tap.username(), "u1");
  EXPECT_EQ(t.tap.clientId(), "c");
}

}  // namespace
}  // namespace mqttd
