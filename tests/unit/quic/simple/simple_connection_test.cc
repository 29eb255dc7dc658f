// SimpleConnection over a deterministic simulated link: virtual clock, seeded loss, reordering,
// duplication and a bottleneck rate (style habit 10: no sleeps, no sockets).
#include "quic/simple/simple_connection.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::simple {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kSecond = 1000 * kMs;

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(seed);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// The application side: checks the Stream contract as it goes.
class TestStream : public SimpleConnection::Stream {
 public:
  SendBuffer& sendBuffer() override { return buffer; }
  bool finRequested() const override { return fin_requested; }
  void onStreamData(std::span<const uint8_t> data, bool fin) override {
    EXPECT_FALSE(fin_received) << "data after the FIN";
    EXPECT_TRUE(!data.empty() || fin) << "empty delivery";
    received.insert(received.end(), data.begin(), data.end());
    if (fin) fin_received = true;
    if (auto_consume && conn != nullptr) conn->consumed(data.size());
  }
  void onStreamAcked(uint64_t offset, uint64_t len) override {
    EXPECT_EQ(offset, acked) << "acks must be contiguous";
    EXPECT_GT(len, 0u);
    acked += len;
    EXPECT_TRUE(buffer.ack(offset, len));
  }
  void onFinAcked() override {
    EXPECT_FALSE(fin_acked) << "FIN acknowledged twice";
    EXPECT_EQ(acked, buffer.endOffset()) << "FIN acknowledged before the data";
    fin_acked = true;
  }
  void onPeerClose(uint64_t code, std::string_view reason) override {
    EXPECT_FALSE(peer_close.has_value());
    peer_close = std::make_pair(code, std::string(reason));
  }

  void write(std::span<const uint8_t> data, bool fin) {
    buffer.append(data);
    fin_requested = fin_requested || fin;
  }

  SendBuffer buffer{4096};
  bool fin_requested = false;
  std::vector<uint8_t> received;
  bool fin_received = false;
  uint64_t acked = 0;
  bool fin_acked = false;
  bool auto_consume = true;
  SimpleConnection* conn = nullptr;
  std::optional<std::pair<uint64_t, std::string>> peer_close;
};

struct LinkConfig {
  uint64_t delay_ns = 10 * kMs;    // one way
  uint64_t rate_bps = 20'000'000;  // bottleneck, bits per second (0: unlimited)
  double loss = 0;                 // probability a datagram is dropped
  double reorder = 0;              // probability it is delayed by up to reorder_ns more
  uint64_t reorder_ns = 15 * kMs;
  double duplicate = 0;  // probability a second copy is delivered
};

const std::vector<uint8_t> kCidA = {0xa1, 0xa2, 0xa3, 0xa4};
const std::vector<uint8_t> kCidB = {0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8};

struct Endpoint {
  TestStream stream;
  std::unique_ptr<SimpleConnection> conn;
  std::vector<uint64_t> send_times;  // every datagram handed to the link
  std::optional<SimpleConnection::Violation> violation;
};

// Two connections (A: client side, B: server side) and the link between them.
class Simulation {
 public:
  Simulation(LinkConfig link, uint32_t seed, uint64_t window_a = 65536, uint64_t window_b = 65536,
             size_t max_datagram = 1200)
      : link_(link), rng_(seed) {
    SimpleConnection::Config ca;
    ca.peer_cid = kCidB;
    ca.local_cid_length = kCidA.size();
    ca.max_datagram = max_datagram;
    ca.local_window = window_a;
    ca.peer_window = window_b;
    SimpleConnection::Config cb;
    cb.peer_cid = kCidA;
    cb.local_cid_length = kCidB.size();
    cb.max_datagram = max_datagram;
    cb.local_window = window_b;
    cb.peer_window = window_a;
    a.conn = std::make_unique<SimpleConnection>(a.stream, ca);
    b.conn = std::make_unique<SimpleConnection>(b.stream, cb);
    a.stream.conn = a.conn.get();
    b.stream.conn = b.conn.get();
  }

  // Return true to drop a datagram from `from` (0: A, 1: B) regardless of the dice.
  std::function<bool(int from, std::span<const uint8_t> datagram)> drop;
  // The applications: run at app_wakeup_ns (they set the next wake-up; UINT64_MAX: none).
  std::function<void()> app;
  uint64_t app_wakeup_ns = UINT64_MAX;

  // Runs until `done` holds or nothing is left to do or `limit_ns` of virtual time passed.
  bool runUntil(const std::function<bool()>& done, uint64_t limit_ns = 600 * kSecond) {
    for (size_t steps = 0; steps < 50'000'000; ++steps) {
      flush(a, 0);
      flush(b, 1);
      if (done()) return true;
      const uint64_t next =
          std::min({in_transit_.empty() ? UINT64_MAX : std::get<0>(in_transit_.begin()->first),
                    a.conn->nextTimeout(), b.conn->nextTimeout(), app_wakeup_ns});
      if (next == UINT64_MAX || next > limit_ns) return done();
      now = std::max(now, next);
      if (app && app_wakeup_ns <= now) {
        app_wakeup_ns = UINT64_MAX;
        app();
      }
      while (!in_transit_.empty() && std::get<0>(in_transit_.begin()->first) <= now) {
        auto node = in_transit_.extract(in_transit_.begin());
        Endpoint& to = std::get<2>(node.key()) == 0 ? a : b;
        auto r = to.conn->onPacket(node.mapped(), now);
        if (!r) {
          to.violation = r.error();
          ADD_FAILURE() << "violation: " << r.error().reason;
          return false;
        }
        ++delivered;
      }
      for (Endpoint* e : {&a, &b}) {
        if (e->conn->nextTimeout() <= now) e->conn->onTimer(now);
      }
    }
    ADD_FAILURE() << "simulation did not settle";
    return false;
  }

  // Idles until nothing is in transit and no timer is armed.
  void settle(uint64_t limit_ns = 600 * kSecond) {
    runUntil([] { return false; }, limit_ns);
  }

  void flush(Endpoint& e, int from) {
    std::array<uint8_t, 2048> buffer{};
    for (size_t n; (n = e.conn->writePacket(buffer, now)) > 0;) {
      send(from, {buffer.data(), n});
      e.send_times.push_back(now);
    }
  }

  void send(int from, std::span<const uint8_t> datagram) {
    ++sent;
    if ((drop && drop(from, datagram)) || chance(link_.loss)) {
      ++dropped;
      return;
    }
    // The bottleneck serialises each direction.
    uint64_t departure = now;
    if (link_.rate_bps > 0) {
      departure = std::max(now, busy_until_[from]) + datagram.size() * 8 * kSecond / link_.rate_bps;
      busy_until_[from] = departure;
    }
    enqueue(from, datagram, departure + link_.delay_ns + reorderDelay());
    if (chance(link_.duplicate))
      enqueue(from, datagram, departure + link_.delay_ns + reorderDelay());
  }

  Endpoint a;
  Endpoint b;
  uint64_t now = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t delivered = 0;

 private:
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t reorderDelay() {
    if (!chance(link_.reorder)) return 0;
    return std::uniform_int_distribution<uint64_t>(1, link_.reorder_ns)(rng_);
  }
  void enqueue(int from, std::span<const uint8_t> datagram, uint64_t arrival) {
    in_transit_.emplace(std::make_tuple(arrival, seq_++, 1 - from),
                        std::vector<uint8_t>(datagram.begin(), datagram.end()));
  }

  LinkConfig link_;
  std::mt19937 rng_;
  uint64_t seq_ = 0;
  std::array<uint64_t, 2> busy_until_{};
  // (arrival ns, sequence, destination 0/1) -> datagram
  std::map<std::tuple<uint64_t, uint64_t, int>, std::vector<uint8_t>> in_transit_;
};

// The frames of a datagram sent to the endpoint whose CID has `cid_length` bytes.
std::vector<Frame> framesOf(std::span<const uint8_t> datagram, size_t cid_length) {
  std::vector<Frame> frames;
  auto reader = PacketReader::decodeShort(datagram, cid_length);
  if (!reader) return frames;
  for (;;) {
    auto f = reader->nextFrame();
    if (!f || !f->has_value()) break;
    frames.push_back(**f);
  }
  return frames;
}

template <typename F>
bool carries(std::span<const uint8_t> datagram, int from) {
  for (const Frame& f : framesOf(datagram, from == 0 ? kCidB.size() : kCidA.size())) {
    if (std::holds_alternative<F>(f)) return true;
  }
  return false;
}

bool carriesFin(std::span<const uint8_t> datagram, int from) {
  for (const Frame& f : framesOf(datagram, from == 0 ? kCidB.size() : kCidA.size())) {
    if (auto* s = std::get_if<StreamFrame>(&f); s != nullptr && s->fin) return true;
  }
  return false;
}

void printStats(const char* name, const Simulation& sim) {
  for (const Endpoint* e : {&sim.a, &sim.b}) {
    const auto& s = e->conn->stats();
    std::printf(
        "[%s] %s: sent %llu, received %llu, lost %llu, retransmitted %llu B, duplicates %llu, "
        "PTOs %llu, congestion events %llu (persistent %llu), cwnd %llu, srtt %.1f ms\n",
        name, e == &sim.a ? "A" : "B", (unsigned long long)s.packets_sent,
        (unsigned long long)s.packets_received, (unsigned long long)s.packets_lost,
        (unsigned long long)s.bytes_retransmitted, (unsigned long long)s.duplicates,
        (unsigned long long)s.pto_count, (unsigned long long)s.congestion_events,
        (unsigned long long)s.persistent_congestions,
        (unsigned long long)e->conn->congestionWindow(), e->conn->smoothedRttNs() / 1e6);
  }
  std::printf("[%s] virtual time %.3f s, datagrams %llu sent, %llu dropped\n", name, sim.now / 1e9,
              (unsigned long long)sim.sent, (unsigned long long)sim.dropped);
}

bool transferDone(const Simulation& sim, size_t a_to_b, size_t b_to_a) {
  return sim.b.stream.fin_received && sim.a.stream.fin_received &&
         sim.b.stream.received.size() == a_to_b && sim.a.stream.received.size() == b_to_a &&
         sim.a.conn->allAcknowledged() && sim.b.conn->allAcknowledged();
}

// --- bulk transfer over a bad link ---

void bulkTransfer(const char* name, LinkConfig link, uint32_t seed) {
  Simulation sim(link, seed);
  const auto up = pattern(2 * 1024 * 1024, seed);
  const auto down = pattern(256 * 1024, seed + 1);
  sim.a.stream.write(up, true);
  sim.b.stream.write(down, true);
  ASSERT_TRUE(sim.runUntil([&] { return transferDone(sim, up.size(), down.size()); }))
      << "B got " << sim.b.stream.received.size() << ", A got " << sim.a.stream.received.size();
  printStats(name, sim);
  EXPECT_EQ(sim.b.stream.received, up);  // intact, in order, each byte once
  EXPECT_EQ(sim.a.stream.received, down);
  EXPECT_TRUE(sim.a.stream.fin_acked);
  EXPECT_TRUE(sim.b.stream.fin_acked);
  EXPECT_EQ(sim.a.stream.acked, up.size());
  EXPECT_EQ(sim.b.stream.acked, down.size());
  EXPECT_EQ(sim.a.stream.buffer.unackedBytes(), 0u);
  // Everything settles: the last ACKs go out and no timer stays armed for long.
  sim.settle(sim.now + 10 * kSecond);
  EXPECT_EQ(sim.a.conn->bytesInFlight(), 0u);
  EXPECT_EQ(sim.b.conn->bytesInFlight(), 0u);
  EXPECT_FALSE(sim.a.conn->hasUnsentData());
  EXPECT_FALSE(sim.b.conn->hasUnsentData());
  EXPECT_EQ(sim.a.conn->nextTimeout(), UINT64_MAX);
  EXPECT_EQ(sim.b.conn->nextTimeout(), UINT64_MAX);
}

TEST(SimpleConnection, CleanLinkTransfer) {
  bulkTransfer("clean", LinkConfig{}, 1);
}

TEST(SimpleConnection, LossyReorderingDuplicatingLinkTransfer) {
  LinkConfig link;
  link.loss = 0.10;
  link.reorder = 0.20;
  link.duplicate = 0.01;
  bulkTransfer("10% loss, 20% reorder, 1% dup", link, 2);
}

TEST(SimpleConnection, LossyTransferWithOtherSeeds) {
  LinkConfig link;
  link.loss = 0.10;
  link.reorder = 0.20;
  link.duplicate = 0.01;
  for (uint32_t seed = 10; seed < 14; ++seed) {
    SCOPED_TRACE(seed);
    bulkTransfer("seed", link, seed);
  }
}

TEST(SimpleConnection, VeryLossyLinkTransfer) {
  LinkConfig link;
  link.loss = 0.30;
  link.reorder = 0.30;
  link.duplicate = 0.05;
  link.rate_bps = 0;
  bulkTransfer("30% loss, unlimited rate", link, 3);
}

TEST(SimpleConnection, SmallDatagramsAndWindows) {
  LinkConfig link;
  link.loss = 0.05;
  link.reorder = 0.1;
  Simulation sim(link, 4, 1024, 2048, 256);  // the spec's minimums
  const auto up = pattern(100000, 5);
  const auto down = pattern(30000, 6);
  sim.a.stream.write(up, true);
  sim.b.stream.write(down, true);
  ASSERT_TRUE(sim.runUntil([&] { return transferDone(sim, up.size(), down.size()); }));
  EXPECT_EQ(sim.b.stream.received, up);
  EXPECT_EQ(sim.a.stream.received, down);
}

TEST(SimpleConnection, InteractiveTrafficOverALossyLink) {
  // MQTT-like: both sides write small messages every few milliseconds for 3 s, then finish.
  LinkConfig link;
  link.loss = 0.10;
  link.reorder = 0.20;
  link.duplicate = 0.01;
  Simulation sim(link, 41);
  std::mt19937 rng(42);
  std::vector<uint8_t> up;
  std::vector<uint8_t> down;
  sim.app = [&] {
    const bool last = sim.now >= 3 * kSecond;
    for (auto [e, log] : {std::pair{&sim.a, &up}, std::pair{&sim.b, &down}}) {
      if (rng() % 2 != 0 && !last) continue;
      const auto msg = pattern(rng() % 300 + 2, static_cast<uint32_t>(rng()));
      log->insert(log->end(), msg.begin(), msg.end());
      e->stream.write(msg, last);
    }
    if (sim.now < 3 * kSecond) sim.app_wakeup_ns = sim.now + (rng() % 10 + 1) * kMs;
  };
  sim.app_wakeup_ns = 0;
  ASSERT_TRUE(sim.runUntil([&] {
    return transferDone(sim, up.size(), down.size()) && sim.a.stream.fin_requested &&
           sim.b.stream.fin_requested;
  }));
  printStats("interactive", sim);
  EXPECT_EQ(sim.b.stream.received, up);
  EXPECT_EQ(sim.a.stream.received, down);
}

TEST(SimpleConnection, AckFramesStaySmallWhenOnlyAcksFlowBack) {
  // RFC 9000 §13.2.4: the ACK-only side bundles a PING now and then, so that it learns which
  // of its ACKs arrived and stops repeating their ranges.
  LinkConfig link;
  link.loss = 0.10;
  link.reorder = 0.20;
  Simulation sim(link, 43);
  size_t most_ranges = 0;
  size_t ack_packets = 0;
  sim.drop = [&](int from, std::span<const uint8_t> d) {
    if (from != 1) return false;
    for (const Frame& f : framesOf(d, kCidA.size())) {
      if (auto* ack = std::get_if<AckFrame>(&f)) {
        most_ranges = std::max(most_ranges, ack->range_count);
        ++ack_packets;
      }
    }
    return false;
  };
  const auto up = pattern(1 << 20, 44);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_EQ(sim.b.stream.received, up);
  EXPECT_GT(ack_packets, 300u);
  EXPECT_LE(most_ranges, 16u);
}

// --- targeted behaviour ---

TEST(SimpleConnection, FlowControlStopsTheSenderAtTheWindow) {
  const uint64_t window = 16384;
  Simulation sim(LinkConfig{}, 7, 65536, window);
  sim.b.stream.auto_consume = false;  // B's application reads nothing
  const auto up = pattern(100000, 8);
  sim.a.stream.write(up, true);
  sim.settle();
  // §5.4: exactly the window arrived; nothing beyond it was sent.
  EXPECT_EQ(sim.b.stream.received.size(), window);
  EXPECT_EQ(sim.a.stream.buffer.sentOffset(), window);
  EXPECT_EQ(sim.a.conn->peerLimit(), window);
  EXPECT_TRUE(sim.a.conn->hasUnsentData());
  EXPECT_EQ(sim.a.conn->nextTimeout(), UINT64_MAX);  // a blocked sender needs no probe

  // Less than W/2 consumed: no MAX_DATA yet.
  sim.b.conn->consumed(window / 2 - 1);
  sim.settle();
  EXPECT_EQ(sim.b.stream.received.size(), window);
  // W/2: MAX_DATA = consumed + W.
  sim.b.conn->consumed(1);
  EXPECT_EQ(sim.b.conn->advertisedLimit(), window / 2 + window);
  sim.settle();
  EXPECT_EQ(sim.a.conn->peerLimit(), window / 2 + window);
  EXPECT_EQ(sim.b.stream.received.size(), window / 2 + window);

  // Reading everything from now on lets the rest through.
  sim.b.stream.auto_consume = true;
  sim.b.conn->consumed(sim.b.stream.received.size() - window / 2);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_EQ(sim.b.stream.received, up);
}

TEST(SimpleConnection, ALostMaxDataIsReplacedByTheCurrentLimit) {
  const uint64_t window = 8192;
  Simulation sim(LinkConfig{}, 9, 65536, window);
  bool dropped = false;
  sim.drop = [&](int from, std::span<const uint8_t> d) {
    if (from == 1 && !dropped && carries<MaxDataFrame>(d, from)) return dropped = true;
    return false;
  };
  const auto up = pattern(50000, 10);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_TRUE(dropped);
  EXPECT_EQ(sim.b.stream.received, up);
  EXPECT_GE(sim.b.conn->stats().packets_lost, 1u);
}

TEST(SimpleConnection, FastRetransmitRepairsOneLossWithoutAProbe) {
  Simulation sim(LinkConfig{}, 11);
  size_t data_packets = 0;
  sim.drop = [&](int from, std::span<const uint8_t> d) {
    return from == 0 && carries<StreamFrame>(d, from) && ++data_packets == 3;
  };
  const auto up = pattern(60000, 12);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_EQ(sim.b.stream.received, up);
  const auto& s = sim.a.conn->stats();
  EXPECT_EQ(s.packets_lost, 1u);
  EXPECT_EQ(s.pto_count, 0u);  // §5.3: packet threshold, no timeout
  EXPECT_GT(s.bytes_retransmitted, 0u);
  EXPECT_LE(s.bytes_retransmitted, 1200u);
  // Done in a few round trips (20 ms each), far below the 310 ms initial PTO.
  EXPECT_LT(sim.now, 200 * kMs);
}

TEST(SimpleConnection, TailLossIsRepairedByAProbe) {
  Simulation sim(LinkConfig{}, 13);
  bool dropped = false;
  sim.drop = [&](int from, std::span<const uint8_t> d) {
    // The last data packet (with the FIN): nothing after it can trigger fast retransmit.
    if (from == 0 && !dropped && carriesFin(d, from)) return dropped = true;
    return false;
  };
  const auto up = pattern(5000, 14);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_TRUE(dropped);
  EXPECT_EQ(sim.b.stream.received, up);
  EXPECT_TRUE(sim.a.stream.fin_acked);
  const auto& s = sim.a.conn->stats();
  EXPECT_GE(s.pto_count, 1u);
  EXPECT_GT(s.bytes_retransmitted, 0u);
}

TEST(SimpleConnection, ALostBareFinIsSentAgain) {
  Simulation sim(LinkConfig{}, 15);
  const auto up = pattern(3000, 16);
  sim.a.stream.write(up, false);
  ASSERT_TRUE(sim.runUntil([&] { return sim.a.conn->allAcknowledged(); }));
  int fins_dropped = 0;
  sim.drop = [&](int from, std::span<const uint8_t> d) {
    return from == 0 && carriesFin(d, from) && fins_dropped++ < 2;
  };
  sim.a.stream.fin_requested = true;  // FIN alone, after all data was acknowledged
  ASSERT_TRUE(sim.runUntil([&] { return sim.a.stream.fin_acked; }));
  EXPECT_EQ(fins_dropped, 3);
  EXPECT_TRUE(sim.b.stream.fin_received);
  EXPECT_EQ(sim.b.stream.received, up);
}

TEST(SimpleConnection, ProbeTimeoutBacksOffExponentially) {
  Simulation sim(LinkConfig{}, 17);
  const uint64_t blackout_end = 70 * kSecond;
  sim.drop = [&](int, std::span<const uint8_t>) { return sim.now < blackout_end; };
  const auto up = pattern(500, 18);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_EQ(sim.b.stream.received, up);
  // One packet at 0, then one probe per PTO × 2^n: 310 ms, doubling up to 2^6, then steady.
  const auto& times = sim.a.send_times;
  const uint64_t pto = 310 * kMs;
  ASSERT_GE(times.size(), 10u);
  uint64_t expected = 0;
  for (size_t i = 1; i < 10; ++i) {
    expected += pto << std::min<size_t>(i - 1, 6);
    EXPECT_EQ(times[i], expected) << "probe " << i;
  }
  EXPECT_GE(sim.a.conn->stats().pto_count, 9u);
  EXPECT_LT(sim.now, blackout_end + 64 * pto);
}

TEST(SimpleConnection, ABlackoutInTheMiddleOfATransferIsSurvived) {
  LinkConfig link;
  link.loss = 0.02;
  Simulation sim(link, 19);
  sim.drop = [&](int, std::span<const uint8_t>) {
    return sim.now > 200 * kMs && sim.now < 5 * kSecond;
  };
  const auto up = pattern(1 << 20, 20);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  printStats("blackout", sim);
  EXPECT_EQ(sim.b.stream.received, up);
  EXPECT_GE(sim.a.conn->stats().pto_count, 3u);
}

TEST(SimpleConnection, CloseIsDeliveredAndStopsBothSides) {
  Simulation sim(LinkConfig{}, 21);
  const auto up = pattern(2000, 22);
  sim.a.stream.write(up, false);
  ASSERT_TRUE(sim.runUntil([&] { return sim.a.conn->allAcknowledged(); }));
  std::array<uint8_t, 1500> out{};
  const size_t n = sim.a.conn->writeClose(out, ErrorCode::kUpstreamLost, "broker went away");
  ASSERT_GT(n, 0u);
  EXPECT_TRUE(sim.a.conn->closed());
  EXPECT_EQ(sim.a.conn->writePacket(out, sim.now), 0u);
  EXPECT_EQ(sim.a.conn->nextTimeout(), UINT64_MAX);

  auto r = sim.b.conn->onPacket({out.data(), n}, sim.now);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(sim.b.stream.peer_close.has_value());
  EXPECT_EQ(sim.b.stream.peer_close->first, 0x100u);
  EXPECT_EQ(sim.b.stream.peer_close->second, "broker went away");
  EXPECT_TRUE(sim.b.conn->closed());
  sim.b.stream.write(up, true);
  EXPECT_EQ(sim.b.conn->writePacket(out, sim.now), 0u);  // §7.4: silent after CLOSE

  // Asked again, the same CLOSE with a new packet number (§7.4).
  std::array<uint8_t, 1500> again{};
  const size_t m = sim.a.conn->writeClose(again, ErrorCode::kNoError, "ignored");
  ASSERT_EQ(m, n);
  auto first = PacketReader::decodeShort({out.data(), n}, kCidB.size());
  auto second = PacketReader::decodeShort({again.data(), m}, kCidB.size());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->packetNumber(), first->packetNumber() + 1);
  auto frame = second->nextFrame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(std::get<CloseFrame>(**frame).error_code, 0x100u);
}

// Builds a packet for B (DCID kCidB) from A's side by hand.
template <typename Fill>
std::vector<uint8_t> packetForB(uint64_t number, Fill fill) {
  std::vector<uint8_t> out(1200);
  PacketWriter w(out, kCidB, number);
  fill(w);
  out.resize(w.size());
  return out;
}

TEST(SimpleConnection, DataPastTheAdvertisedLimitIsAFlowControlError) {
  Simulation sim(LinkConfig{}, 23, 65536, 4096);
  const auto data = pattern(100, 24);
  const iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  // Up to the limit is fine...
  auto ok = packetForB(0, [&](PacketWriter& w) {
    bool fin = false;
    ASSERT_EQ(w.stream(4096 - 100, {&iov, 1}, 100, false, &fin), 100u);
  });
  ASSERT_TRUE(sim.b.conn->onPacket(ok, 0).ok());
  // ...one byte more is not (§4.2, §5.4).
  auto bad = packetForB(1, [&](PacketWriter& w) {
    bool fin = false;
    ASSERT_EQ(w.stream(4096 - 99, {&iov, 1}, 100, false, &fin), 100u);
  });
  auto r = sim.b.conn->onPacket(bad, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFlowControlError);
  EXPECT_FALSE(r.error().reason.empty());
}

TEST(SimpleConnection, DataPastTheFinalSizeIsAProtocolViolation) {
  Simulation sim(LinkConfig{}, 25);
  const auto data = pattern(100, 26);
  const iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  auto fin = packetForB(0, [&](PacketWriter& w) {
    bool written = false;
    ASSERT_EQ(w.stream(0, {&iov, 1}, 50, true, &written), 50u);
    ASSERT_TRUE(written);
  });
  ASSERT_TRUE(sim.b.conn->onPacket(fin, 0).ok());
  EXPECT_TRUE(sim.b.stream.fin_received);
  auto more = packetForB(1, [&](PacketWriter& w) {
    bool written = false;
    ASSERT_EQ(w.stream(40, {&iov, 1}, 20, false, &written), 20u);
  });
  auto r = sim.b.conn->onPacket(more, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocolViolation);
}

TEST(SimpleConnection, AnAckOfAPacketNeverSentIsAProtocolViolation) {
  Simulation sim(LinkConfig{}, 27);
  std::array<uint8_t, 1500> out{};
  sim.b.stream.write(pattern(10, 28), false);
  ASSERT_GT(sim.b.conn->writePacket(out, 0), 0u);  // B sent packet 0 only
  auto ack = packetForB(0, [](PacketWriter& w) {
    const AckRange ranges[] = {{0, 1}};
    ASSERT_TRUE(w.ack(ranges, 0));
  });
  auto r = sim.b.conn->onPacket(ack, kMs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocolViolation);
  EXPECT_NE(r.error().reason.find("never sent"), std::string::npos);
}

TEST(SimpleConnection, MalformedFramesAreViolationsAndBadHeadersAreDropped) {
  Simulation sim(LinkConfig{}, 29);
  auto unknown = packetForB(0, [](PacketWriter& w) { ASSERT_TRUE(w.ping()); });
  unknown.push_back(0x3f);  // no such frame type
  auto r = sim.b.conn->onPacket(unknown, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocolViolation);

  Simulation sim2(LinkConfig{}, 30);
  auto reserved = packetForB(0, [](PacketWriter& w) { ASSERT_TRUE(w.ping()); });
  reserved[0] |= 0x01;  // §3.2: reserved bit set
  auto d = sim2.b.conn->onPacket(reserved, 0);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->dropped);
  EXPECT_EQ(sim2.b.conn->nextTimeout(), UINT64_MAX);  // not acknowledged
}

TEST(SimpleConnection, DuplicatesAreIgnoredButAcknowledgedAgain) {
  Simulation sim(LinkConfig{}, 31);
  const auto data = pattern(10, 32);
  const iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  auto p = packetForB(0, [&](PacketWriter& w) {
    bool fin = false;
    ASSERT_EQ(w.stream(0, {&iov, 1}, 10, false, &fin), 10u);
  });
  auto r1 = sim.b.conn->onPacket(p, 0);
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1->newest);
  std::array<uint8_t, 1500> out{};
  ASSERT_GT(sim.b.conn->writePacket(out, 20 * kMs), 0u);  // the ACK
  EXPECT_EQ(sim.b.conn->nextTimeout(), UINT64_MAX);
  auto r2 = sim.b.conn->onPacket(p, 30 * kMs);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->duplicate);
  EXPECT_FALSE(r2->newest);
  EXPECT_EQ(sim.b.stream.received, data);  // delivered once
  EXPECT_EQ(sim.b.conn->stats().duplicates, 1u);
  EXPECT_EQ(sim.b.conn->nextTimeout(), 40 * kMs);  // ACK again within 10 ms
}

TEST(SimpleConnection, APeerLyingAboutItsPacketNumbersIsHandled) {
  Simulation sim(LinkConfig{}, 37);
  auto ping = packetForB(10, [](PacketWriter& w) { ASSERT_TRUE(w.ping()); });
  ASSERT_TRUE(sim.b.conn->onPacket(ping, 0).ok());
  // B answers with data and an ACK of 10 in its packet 0.
  sim.b.stream.write(pattern(10, 38), false);
  std::array<uint8_t, 1500> out{};
  ASSERT_GT(sim.b.conn->writePacket(out, kMs), 0u);
  // "Packet 5", sent after it had B's packet 0: impossible for an honest peer. Its ACK makes
  // B forget numbers up to 10, so 5 itself now counts as old.
  auto liar = packetForB(5, [](PacketWriter& w) {
    const AckRange ranges[] = {{0, 0}};
    ASSERT_TRUE(w.ack(ranges, 0));
    ASSERT_TRUE(w.ping());
  });
  auto r = sim.b.conn->onPacket(liar, 2 * kMs);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->newest);
  EXPECT_TRUE(sim.b.conn->allAcknowledged());
  EXPECT_EQ(sim.b.stream.acked, 10u);
}

TEST(SimpleConnection, KeepalivePingIsAcknowledged) {
  Simulation sim(LinkConfig{}, 33);
  sim.a.conn->ping();
  sim.settle();
  EXPECT_EQ(sim.a.conn->stats().packets_sent, 1u);
  EXPECT_EQ(sim.b.conn->stats().packets_sent, 1u);  // the ACK, after the 10 ms ack delay
  EXPECT_EQ(sim.a.conn->bytesInFlight(), 0u);
  EXPECT_NEAR(static_cast<double>(sim.a.conn->smoothedRttNs()), 30.0 * kMs, 1.0 * kMs);
}

TEST(SimpleConnection, PacketsNeverExceedMaxDatagram) {
  LinkConfig link;
  link.loss = 0.1;
  Simulation sim(link, 35, 65536, 65536, 700);
  size_t largest = 0;
  sim.drop = [&](int, std::span<const uint8_t> d) {
    largest = std::max(largest, d.size());
    return false;
  };
  const auto up = pattern(200000, 36);
  sim.a.stream.write(up, true);
  ASSERT_TRUE(
      sim.runUntil([&] { return sim.b.stream.fin_received && sim.a.conn->allAcknowledged(); }));
  EXPECT_LE(largest, 700u);
  EXPECT_EQ(sim.b.stream.received, up);
}

}  // namespace
}  // namespace mqttd::simple
