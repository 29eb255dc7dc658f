// SimpleEngine's handshake (docs/simple-framing.md §7.1): nothing is kept before a valid cookie,
// replies never exceed what caused them, limits refuse. Datagrams are handed to the engine with
// any source address we like — true spoofing, which a real socket test cannot do unprivileged.
#include "quic/simple/simple_engine.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::simple {
namespace {

SocketAddress address(const std::string& text) { return *SocketAddress::parse(text); }

std::unique_ptr<UdpSocket> bindLoopback() {
  auto socket = UdpSocket::bind(address("127.0.0.1:0"), {});
  return socket ? std::move(*socket) : nullptr;
}

class SimpleEngineTest : public ::testing::Test {
 protected:
  SimpleEngineTest() {
    config_.simple_framer.enabled = true;
    limits_.max_connections = 2;
  }

  EngineContext context() {
    return EngineContext{
        .loop = loop_,
        .socket = *server_,
        .tracker = tracker_,
        .metrics = metrics_,
        .splice_context =
            [this] {
              return SpliceContext{loop_, metrics_, address("127.0.0.1:9"),
                                   std::chrono::seconds(1), limits_};
            },
        .next_id = [this] { return ++next_id_; },
        .server_id = 0,
        .worker_id = 3,
        .secret = secret_,
        .budget = budget_};
  }

  std::vector<uint8_t> hello(std::span<const uint8_t> dcid, std::span<const uint8_t> cookie) {
    std::vector<uint8_t> out(256);
    const size_t n = PacketWriter::writeHello(out, dcid, scid_, cookie, Parameters{});
    out.resize(n);
    return out;
  }

  void deliver(SimpleEngine& engine, const std::vector<uint8_t>& bytes, const SocketAddress& from) {
    ReceivedDatagram d{bytes, from, server_->localAddress(), 0};
    // What the Dispatcher does: a known initial DCID goes to its session.
    if (QuicSession* s = tracker_.find(cidKey(&bytes[6], bytes[5]))) s->onDatagram(d);
    else engine.onHello(d);
  }

  // Datagrams the client socket has received since the last call.
  std::vector<std::vector<uint8_t>> received() {
    std::vector<std::vector<uint8_t>> out;
    while (client_->receive(64, [&](const ReceivedDatagram& d) {
      out.emplace_back(d.data.begin(), d.data.end());
    }) > 0) {
    }
    return out;
  }

  EventLoop loop_;
  std::unique_ptr<UdpSocket> server_ = bindLoopback();
  std::unique_ptr<UdpSocket> client_ = bindLoopback();
  ConnectionTracker tracker_;
  Metrics metrics_;
  QuicListenerConfig config_;
  LimitsConfig limits_;
  std::shared_ptr<const StaticSecret> secret_ = *StaticSecret::generate();
  ConnectionBudget budget_;
  uint64_t next_id_ = 0;
  std::vector<uint8_t> dcid_{1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<uint8_t> scid_{0xc1, 0xc2};
};

TEST_F(SimpleEngineTest, SpoofedHelloFloodCreatesNoState) {
  SimpleEngine engine(context(), config_);
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> dcid(8 + rng() % 13);
    for (auto& b : dcid) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> forged(i % 2 == 0 ? 0 : HelloCookie::kSize);
    for (auto& b : forged) b = static_cast<uint8_t>(rng());
    // Sources all over 127/8: each answer goes to a different address, none comes back.
    const std::string from = "127." + std::to_string(1 + rng() % 250) + "." +
                             std::to_string(rng() % 256) + "." + std::to_string(1 + rng() % 250) +
                             ":" + std::to_string(1024 + rng() % 60000);
    deliver(engine, hello(dcid, forged), address(from));
  }
  EXPECT_EQ(engine.sessionCount(), 0u);
  EXPECT_EQ(engine.sessionsAccepted(), 0u);
  EXPECT_EQ(tracker_.size(), 0u);
  // Answers are rate-limited: the flood got at most the limiter's burst plus its refill.
  EXPECT_GT(metrics_.quicEvents(QuicEvent::kSimpleCookieSent), 0u);
  EXPECT_GT(metrics_.quicEvents(QuicEvent::kRepliesRateLimited), 0u);
  EXPECT_LT(metrics_.quicEvents(QuicEvent::kSimpleCookieSent), 20000u);
}

TEST_F(SimpleEngineTest, CookieIsNeverLargerThanTheHelloAndShortHellosGetNothing) {
  SimpleEngine engine(context(), config_);
  const auto first = hello(dcid_, {});
  deliver(engine, first, client_->localAddress());
  auto replies = received();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_LE(replies[0].size(), first.size());
  auto cookie = PacketReader::decodeLong(replies[0]);
  ASSERT_TRUE(cookie);
  EXPECT_EQ(cookie->type, LongType::kCookie);
  EXPECT_TRUE(std::ranges::equal(cookie->dcid, scid_));  // DCID = client CID (§7.1)
  EXPECT_TRUE(std::ranges::equal(cookie->scid, dcid_));  // SCID = initial DCID

  auto short_hello = first;
  short_hello.resize(kMinHelloSize - 1);  // only padding removed: still a valid layout
  deliver(engine, short_hello, client_->localAddress());
  std::vector<uint8_t> short_dcid(7, 1);  // §7.1: an initial DCID has at least 8 bytes
  deliver(engine, hello(short_dcid, {}), client_->localAddress());
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(metrics_.quicEvents(QuicEvent::kSimpleHandshakeInvalid), 2u);
  EXPECT_EQ(engine.sessionCount(), 0u);
}

TEST_F(SimpleEngineTest, ValidCookieCreatesOneConnectionAndALostAcceptIsRepeated) {
  SimpleEngine engine(context(), config_);
  deliver(engine, hello(dcid_, {}), client_->localAddress());
  const auto first = received();  // the spans of decoded packets point into it
  ASSERT_EQ(first.size(), 1u);
  auto cookie = PacketReader::decodeLong(first[0]);
  ASSERT_TRUE(cookie);
  const std::vector<uint8_t> cookie_bytes(cookie->cookie.begin(), cookie->cookie.end());
  // From another address the cookie is worthless: a fresh COOKIE, no connection.
  deliver(engine, hello(dcid_, cookie_bytes), address("127.0.0.1:9"));
  EXPECT_EQ(engine.sessionCount(), 0u);

  const auto with_cookie = hello(dcid_, cookie_bytes);
  deliver(engine, with_cookie, client_->localAddress());
  EXPECT_EQ(engine.sessionCount(), 1u);
  EXPECT_EQ(tracker_.size(), 2u);  // the server CID and the initial DCID
  auto replies = received();
  ASSERT_EQ(replies.size(), 1u);
  auto accept = PacketReader::decodeLong(replies[0]);
  ASSERT_TRUE(accept);
  ASSERT_EQ(accept->type, LongType::kAccept);
  EXPECT_TRUE(std::ranges::equal(accept->dcid, scid_));
  ASSERT_EQ(accept->scid.size(), ConnectionIdGenerator::kLength);
  EXPECT_EQ(accept->scid[1], 3);  // the worker byte
  EXPECT_EQ(accept->params.stream_window, config_.simple_framer.stream_window);
  EXPECT_TRUE(tracker_.find(cidKey(accept->scid.data(), accept->scid.size())) != nullptr);
  const std::vector<uint8_t> server_cid(accept->scid.begin(), accept->scid.end());
  const auto token = accept->reset_token;

  // The client did not get it and sends the same HELLO: the same ACCEPT, no second connection.
  deliver(engine, with_cookie, client_->localAddress());
  EXPECT_EQ(engine.sessionCount(), 1u);
  replies = received();
  ASSERT_EQ(replies.size(), 1u);
  auto again = PacketReader::decodeLong(replies[0]);
  ASSERT_TRUE(again);
  EXPECT_TRUE(std::ranges::equal(again->scid, server_cid));
  EXPECT_EQ(again->reset_token, token);
}

TEST_F(SimpleEngineTest, RefusesAtTheConnectionLimitAndWhenDraining) {
  limits_.max_connections = 1;
  SimpleEngine engine(context(), config_);
  // The type and error code of the answer to a HELLO with a fresh cookie.
  auto connect = [&](std::vector<uint8_t> dcid) -> std::pair<LongType, uint64_t> {
    deliver(engine, hello(dcid, {}), client_->localAddress());
    auto replies = received();
    auto cookie = PacketReader::decodeLong(replies.at(0));
    const std::vector<uint8_t> bytes(cookie->cookie.begin(), cookie->cookie.end());
    deliver(engine, hello(dcid, bytes), client_->localAddress());
    replies = received();
    const auto answer = PacketReader::decodeLong(replies.at(0));
    return {answer->type, answer->error_code};
  };
  EXPECT_EQ(connect({1, 1, 1, 1, 1, 1, 1, 1}).first, LongType::kAccept);
  const auto refused = connect({2, 2, 2, 2, 2, 2, 2, 2});
  EXPECT_EQ(refused.first, LongType::kRefuse);
  EXPECT_EQ(refused.second, static_cast<uint64_t>(ErrorCode::kConnectionRefused));
  EXPECT_EQ(engine.sessionCount(), 1u);
  limits_.max_connections = 10;
  engine.stopAccepting();
  EXPECT_EQ(connect({3, 3, 3, 3, 3, 3, 3, 3}).first, LongType::kRefuse);
  EXPECT_EQ(engine.sessionCount(), 1u);
}

}  // namespace
}  // namespace mqttd::simple
