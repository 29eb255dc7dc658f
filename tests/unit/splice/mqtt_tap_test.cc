#include "splice/mqtt_tap.h"

#include <event2/buffer.h>
#include <gtest/gtest.h>

#include <memory>

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

// PUBLISH QoS 0; `v5` adds the (empty) property block.
Bytes publish(const std::string& topic, size_t payload_size, bool v5 = false) {
  const uint8_t fill = 'p';
  Bytes body;
  body.push_back(static_cast<uint8_t>(topic.size() >> 8));
  body.push_back(static_cast<uint8_t>(topic.size()));
  body.insert(body.end(), topic.begin(), topic.end());
  if (v5) body.push_back(0x00);
  body.insert(body.end(), payload_size, fill);
  Bytes out{0x30};
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

}  // namespace
}  // namespace mqttd
