// The simple framer (docs/simple-framing.md) end to end: the project's own client
// (SimpleClientConnection, mqttd-cli and mqttd-bench with --transport simple) and datagrams
// written out by hand in this file (independent of the gateway's codec) against the real
// gateway and a real Mosquitto.
#include <gnutls/crypto.h>
#include <signal.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "client/mqtt_client.h"
#include "client/simple_client_connection.h"
#include "client/tcp_client_transport.h"
#include "core/event_loop.h"
#include "mqtt_bytes.h"
#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using client::MqttClient;
using client::SimpleClientConnection;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Bytes = std::vector<uint8_t>;

// listeners.quic lines that turn the simple framer on.
constexpr char kSimpleOn[] = "    simple_framer:\n      enabled: true\n";

std::string cli() {
  return envOr("MQTTD_CLI", "mqttd-cli");
}
std::string bench() {
  return envOr("MQTTD_BENCH", "mqttd-bench");
}

Bytes randomBytes(size_t n) {
  Bytes b(n);
  if (n > 0) {
    EXPECT_EQ(gnutls_rnd(GNUTLS_RND_NONCE, b.data(), n), 0);
  }
  return b;
}

size_t randomBelow(size_t n) {
  uint32_t r = 0;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof r);
  return r % n;
}

std::string sha256(std::span<const uint8_t> data) {
  uint8_t digest[32];
  EXPECT_EQ(gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), digest), 0);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

// ---- the wire format, by hand (§2, §3) ----

void putVarint(Bytes& out, uint64_t v) {
  int len = v < 64 ? 1 : v < 16384 ? 2 : v < (uint64_t{1} << 30) ? 4 : 8;
  const uint8_t prefix = len == 1 ? 0x00 : len == 2 ? 0x40 : len == 4 ? 0x80 : 0xc0;
  for (int i = len - 1; i >= 0; --i) {
    uint8_t b = static_cast<uint8_t>(v >> (8 * i));
    if (i == len - 1) b |= prefix;
    out.push_back(b);
  }
}

std::optional<uint64_t> getVarint(const Bytes& in, size_t& pos) {
  if (pos >= in.size()) return std::nullopt;
  const size_t len = size_t{1} << (in[pos] >> 6);
  if (pos + len > in.size()) return std::nullopt;
  uint64_t v = in[pos] & 0x3f;
  for (size_t i = 1; i < len; ++i) v = (v << 8) | in[pos + i];
  pos += len;
  return v;
}

void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

struct Params {
  uint64_t max_datagram = 1200;    // bytes
  uint64_t stream_window = 65536;  // bytes
  uint64_t idle_timeout_ms = 30000;
};

// HELLO (§3.1) with zeros up to `size` bytes (none when the packet is longer already).
Bytes hello(const Bytes& dcid, const Bytes& scid, const Bytes& cookie, size_t size,
            const Params& p = {}) {
  Bytes out{0xc0, 0x6d, 0x71, 0x66, 0x31};
  out.push_back(static_cast<uint8_t>(dcid.size()));
  append(out, dcid);
  out.push_back(static_cast<uint8_t>(scid.size()));
  append(out, scid);
  out.push_back(static_cast<uint8_t>(cookie.size()));
  append(out, cookie);
  putVarint(out, p.max_datagram);
  putVarint(out, p.stream_window);
  putVarint(out, p.idle_timeout_ms);
  if (out.size() < size) out.resize(size, 0);
  return out;
}

// A server's long-header packet (COOKIE, ACCEPT, REFUSE), decoded.
struct LongReply {
  int type = -1;  // 1 COOKIE, 2 ACCEPT, 3 REFUSE
  Bytes dcid;
  Bytes scid;
  Bytes cookie;             // COOKIE
  Params params;            // ACCEPT
  Bytes token;              // ACCEPT: the reset token
  uint64_t error_code = 0;  // REFUSE
  size_t size = 0;          // the datagram's size
};

std::optional<LongReply> parseLong(const Bytes& d) {
  if (d.size() < 7 || (d[0] & 0xc0) != 0xc0 || (d[0] & 0x0f) != 0) return std::nullopt;
  if (!(d[1] == 0x6d && d[2] == 0x71 && d[3] == 0x66 && d[4] == 0x31)) return std::nullopt;
  LongReply r;
  r.type = (d[0] >> 4) & 0x3;
  r.size = d.size();
  size_t pos = 5;
  auto take = [&](Bytes& out, size_t n) {
    if (pos + n > d.size()) return false;
    out.assign(d.begin() + static_cast<long>(pos), d.begin() + static_cast<long>(pos + n));
    pos += n;
    return true;
  };
  if (!take(r.dcid, d[pos++]) || pos >= d.size() || !take(r.scid, d[pos++])) return std::nullopt;
  if (r.type == 1) {
    if (pos >= d.size() || !take(r.cookie, d[pos++])) return std::nullopt;
  } else if (r.type == 2) {
    auto a = getVarint(d, pos), b = getVarint(d, pos), c = getVarint(d, pos);
    if (!a || !b || !c || !take(r.token, 16)) return std::nullopt;
    r.params = {*a, *b, *c};
  } else if (r.type == 3) {
    auto code = getVarint(d, pos);
    if (!code) return std::nullopt;
    r.error_code = *code;
    return r;  // the reason is not needed
  } else {
    return std::nullopt;
  }
  if (pos != d.size()) return std::nullopt;
  return r;
}

// A short-header packet (§3.2) to `dcid`.
Bytes shortPacket(const Bytes& dcid, uint64_t pn, const Bytes& frames) {
  Bytes out{0x40};
  append(out, dcid);
  putVarint(out, pn);
  append(out, frames);
  return out;
}

Bytes streamFrame(uint64_t offset, const Bytes& data) {
  Bytes out{0x08};
  putVarint(out, offset);
  putVarint(out, data.size());
  append(out, data);
  return out;
}

// ACK of packets 0..largest (§4.1: no extra ranges, First ACK Range = largest).
Bytes ackFrame(uint64_t largest) {
  Bytes out{0x02};
  putVarint(out, largest);
  putVarint(out, 0);
  putVarint(out, 0);
  putVarint(out, largest);
  return out;
}

// What a server's short-header packet carried.
struct ShortReply {
  uint64_t packet_number = 0;
  Bytes stream;  // STREAM data at offset `stream_offset`
  uint64_t stream_offset = 0;
  bool close = false;
};

std::optional<ShortReply> parseShort(const Bytes& d, size_t cid_length) {
  if (d.empty() || d[0] != 0x40 || d.size() < 1 + cid_length) return std::nullopt;
  size_t pos = 1 + cid_length;
  ShortReply r;
  auto pn = getVarint(d, pos);
  if (!pn) return std::nullopt;
  r.packet_number = *pn;
  while (pos < d.size()) {
    const uint8_t type = d[pos++];
    if (type == 0x00 || type == 0x01) continue;
    if (type == 0x02) {
      auto largest = getVarint(d, pos), delay = getVarint(d, pos), count = getVarint(d, pos),
           first = getVarint(d, pos);
      if (!largest || !delay || !count || !first) return std::nullopt;
      for (uint64_t i = 0; i < *count * 2; ++i)
        if (!getVarint(d, pos)) return std::nullopt;
    } else if (type == 0x08 || type == 0x09) {
      auto offset = getVarint(d, pos), len = getVarint(d, pos);
      if (!offset || !len || pos + *len > d.size()) return std::nullopt;
      r.stream_offset = *offset;
      r.stream.assign(d.begin() + static_cast<long>(pos),
                      d.begin() + static_cast<long>(pos + *len));
      pos += *len;
    } else if (type == 0x10) {
      if (!getVarint(d, pos)) return std::nullopt;
    } else if (type == 0x1c) {
      r.close = true;
      return r;
    } else {
      return std::nullopt;
    }
  }
  return r;
}

// A client written out by hand: the handshake of §7.1 and short headers carrying the stream.
class RawSimpleClient {
 public:
  explicit RawSimpleClient(uint16_t port)
      : port_(port), initial_dcid_(randomBytes(12)), cid_(randomBytes(8)) {}

  // HELLO, COOKIE, HELLO with the cookie, ACCEPT (resending lost ones); false without ACCEPT.
  bool handshake(seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Bytes cookie;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!probe_.sendTo(port_, hello(initial_dcid_, cid_, cookie, 128))) return false;
      auto d = probe_.receive(milliseconds(500));
      if (!d) continue;
      auto r = parseLong(*d);
      if (!r || r->dcid != cid_) continue;
      if (r->type == 1) cookie = r->cookie;
      if (r->type == 2) {
        accept_ = *r;
        return true;
      }
      if (r->type == 3) return false;
    }
    return false;
  }
  // Sends `frames` in the next short-header packet.
  bool send(const Bytes& frames) {
    return probe_.sendTo(port_, shortPacket(serverCid(), pn_++, frames));
  }
  std::optional<Bytes> receive(milliseconds timeout) { return probe_.receive(timeout); }
  // Stream bytes from the server until `n` arrived in order (acknowledging every packet).
  std::optional<Bytes> readStream(size_t n, seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto d = probe_.receive(milliseconds(200));
      if (!d) continue;
      auto p = parseShort(*d, cid_.size());
      if (!p) continue;
      largest_ = std::max(largest_, p->packet_number);
      (void)send(ackFrame(largest_));
      if (p->stream_offset == received_.size()) append(received_, p->stream);
    }
    if (received_.size() < n) return std::nullopt;
    return Bytes(received_.begin(), received_.begin() + static_cast<long>(n));
  }
  const Bytes& serverCid() const { return accept_.scid; }
  const LongReply& accept() const { return accept_; }

 private:
  uint16_t port_;
  UdpProbe probe_;
  Bytes initial_dcid_;
  Bytes cid_;
  LongReply accept_;
  uint64_t pn_ = 0;
  uint64_t largest_ = 0;
  Bytes received_;
};

class SimpleTest : public GatewayFixture {
 protected:
  // mqttd-cli `cmd` over the simple framer to the gateway (or `port`), then `args`.
  std::vector<std::string> simpleCli(const std::string& cmd, std::vector<std::string> args,
                                     uint16_t port = 0) {
    std::vector<std::string> argv{
        cli(), cmd,         "--transport", "simple",
        "-h",  "127.0.0.1", "-p",          std::to_string(port != 0 ? port : gateway_->quicPort())};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  std::vector<std::string> quicCli(const std::string& cmd, std::vector<std::string> args) {
    std::vector<std::string> argv{cli(),      cmd,
                                  "-h",       "127.0.0.1",
                                  "-p",       std::to_string(gateway_->quicPort()),
                                  "--cafile", gateway_->certPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  uint64_t simpleCurrent() { return metric("mqttd_connections_current{transport=\"simple\"}"); }
  uint64_t simpleTotal() { return metric("mqttd_connections_total{transport=\"simple\"}"); }
  uint64_t subacksToClients() {
    return metric("mqttd_mqtt_packets_total{type=\"SUBACK\",direction=\"to_client\"}");
  }
  // The lines of a `mqttd-cli sub -v` child that start with `prefix`, until it exits.
  std::vector<std::string> linesOf(ChildProcess& sub, const std::string& prefix) {
    std::vector<std::string> got;
    while (auto line = sub.readLine(seconds(60)))
      if (line->rfind(prefix, 0) == 0) got.push_back(line->substr(prefix.size()));
    return got;
  }
  SocketAddress address(const std::string& port) {
    return SocketAddress::parse("127.0.0.1:" + port).value();
  }
  // `big` then "end" at QoS 1 between a simple-framer client behind the relay and a TCP client
  // on the broker: published by the simple client (`up`) or delivered to it. Checks both
  // arrive, intact (sha256) and once; returns the simple client's transport statistics.
  simple::SimpleConnection::Stats bigPayload(const Bytes& big, const std::string& relay_port,
                                             bool up);
};

// ---- pub/sub ----

class SimpleQos : public SimpleTest, public ::testing::WithParamInterface<int> {};

// mqttd-cli publishes over the simple framer (MQTT 3.1.1 and 5.0): a subscriber on the broker
// itself gets both; a simple-framer subscriber gets them too, and a message a TCP client
// publishes straight to the broker.
TEST_P(SimpleQos, PubAndSubOverTheSimpleFramerCrossCheckedOnTheBroker) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, kSimpleOn));
  const std::string q = std::to_string(GetParam());
  const std::string topic = "sf/" + q;
  auto direct = subscribe(broker_->port(), topic, GetParam(), 2);
  ChildProcess sub(simpleCli("sub", {"-t", topic, "-q", q, "-C", "3", "-v", "-W", "60"}));
  ASSERT_TRUE(eventually([&] { return subacksToClients() == 1; })) << sub.outputSoFar();
  auto [rc1, out1] = run(simpleCli("pub", {"-t", topic, "-q", q, "-m", "hello"}));
  ASSERT_EQ(rc1, 0) << out1;
  auto [rc2, out2] = run(simpleCli("pub", {"-t", topic, "-q", q, "-m", "world", "-V", "5"}));
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"hello", "world"}));
  ASSERT_EQ(publish(broker_->port(), topic, GetParam(), "from-tcp"), 0);
  EXPECT_EQ(linesOf(sub, topic + " "), (std::vector<std::string>{"hello", "world", "from-tcp"}));
  EXPECT_EQ(sub.wait(seconds(10)), 0);
  EXPECT_EQ(simpleTotal(), 3u);
  EXPECT_TRUE(eventually([&] { return simpleCurrent() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Qos, SimpleQos, ::testing::Values(0, 1, 2));

// §10's example HELLO, byte for byte, gets a COOKIE (no larger than the HELLO, §7.1) back to
// the empty client CID naming the initial DCID; the HELLO again with that cookie gets an
// ACCEPT with a 16-byte server CID (§8), the server's parameters and a reset token.
TEST_F(SimpleTest, TheSpecExampleHelloGetsACookieThenAnAccept) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    idle_timeout: 7s\n" + std::string(kSimpleOn)));
  Bytes example{0xc0, 0x6d, 0x71, 0x66, 0x31, 0x08, 1,    2,    3,    4,    5,    6,    7,
                8,    0x00, 0x00, 0x44, 0xb0, 0x80, 0x01, 0x00, 0x00, 0x80, 0x00, 0x75, 0x30};
  example.resize(128, 0);
  const Bytes dcid{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(example, hello(dcid, {}, {}, 128, {1200, 65536, 30000}));
  UdpProbe probe;
  std::optional<LongReply> cookie;
  for (int attempt = 0; attempt < 20 && !cookie; ++attempt) {  // COOKIEs are rate-limited
    ASSERT_TRUE(probe.sendTo(gateway_->quicPort(), example));
    if (auto d = probe.receive(milliseconds(500))) cookie = parseLong(*d);
  }
  ASSERT_TRUE(cookie.has_value());
  EXPECT_EQ(cookie->type, 1);
  EXPECT_TRUE(cookie->dcid.empty());
  EXPECT_EQ(cookie->scid, dcid);
  EXPECT_EQ(cookie->cookie.size(), 24u);  // mqttd-gw's cookie (§7.1)
  EXPECT_LE(cookie->size, example.size());
  std::optional<LongReply> accept;
  for (int attempt = 0; attempt < 20 && !accept; ++attempt) {
    ASSERT_TRUE(probe.sendTo(gateway_->quicPort(),
                             hello(dcid, {}, cookie->cookie, 128, {1200, 65536, 30000})));
    if (auto d = probe.receive(milliseconds(500))) accept = parseLong(*d);
  }
  ASSERT_TRUE(accept.has_value());
  ASSERT_EQ(accept->type, 2);
  EXPECT_TRUE(accept->dcid.empty());
  EXPECT_EQ(accept->scid.size(), 16u);
  EXPECT_EQ(accept->params.max_datagram, 1452u);         // max_udp_payload_size's default
  EXPECT_EQ(accept->params.stream_window, 256u * 1024);  // simple_framer.stream_window's
  EXPECT_EQ(accept->params.idle_timeout_ms, 7000u);      // listeners.quic.idle_timeout
  EXPECT_EQ(accept->token.size(), 16u);
  // The HELLO again (as if the ACCEPT was lost): the same ACCEPT (§7.1).
  ASSERT_TRUE(probe.sendTo(gateway_->quicPort(),
                           hello(dcid, {}, cookie->cookie, 128, {1200, 65536, 30000})));
  auto again = probe.receive(seconds(5));
  ASSERT_TRUE(again.has_value());
  auto accept2 = parseLong(*again);
  ASSERT_TRUE(accept2.has_value());
  EXPECT_EQ(accept2->type, 2);
  EXPECT_EQ(accept2->scid, accept->scid);
  EXPECT_EQ(accept2->token, accept->token);
  // No short header yet: the broker has not seen this connection.
  EXPECT_EQ(simpleTotal(), 0u);
}

// ---- a lossy link ----

// 5 MiB from a simple publisher through udp-impair (10% loss, 20% reordering, 1% duplicates
// each way) to a TCP subscriber on the broker, then a marker on the same connection: the
// subscriber gets the payload intact and once, then the marker.
TEST_F(SimpleTest, FiveMegabytesUpThroughALossyLinkArriveIntactAndOnce) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, kSimpleOn));
  Relay relay = startRelay({"--loss", "0.10", "--reorder", "0.20", "--duplicate", "0.01",
                            "--stats-file", relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  const auto stats = bigPayload(randomBytes(5 * 1024 * 1024), relay.port, /*up=*/true);
  EXPECT_GT(stats.packets_lost, 0u) << "the link lost nothing of ours?";
  EXPECT_GT(stats.bytes_retransmitted, 0u);
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  EXPECT_EQ(json.find("\"dropped\":0,"), std::string::npos) << json;
  EXPECT_EQ(json.find("\"reordered\":0,"), std::string::npos) << json;
  EXPECT_EQ(brokerConnectionsOf("big-up"), 1);
}

simple::SimpleConnection::Stats SimpleTest::bigPayload(const Bytes& big,
                                                       const std::string& relay_port, bool up) {
  const std::string topic = up ? "big/up" : "big/down";
  const Bytes end{'e', 'n', 'd'};
  EventLoop loop;
  client::TcpClientTransport tcp(loop);
  SimpleClientConnection simple(loop, {});
  const SocketAddress broker = address(std::to_string(broker_->port()));
  const SocketAddress relay = address(relay_port);
  std::vector<Bytes> got;
  std::string sub_closed, pub_closed;
  std::unique_ptr<MqttClient> sub, pub;
  auto stopWhenDone = [&] {
    if (!sub_closed.empty() && !pub_closed.empty()) loop.stop();
  };
  MqttClient::Callbacks pcb;
  pcb.on_connected = [&](bool) { ASSERT_TRUE(pub->publish(topic, big, 1, false)); };
  int acked = 0;
  pcb.on_published = [&](uint16_t, uint8_t) {
    if (++acked == 1) {
      ASSERT_TRUE(pub->publish(topic, end, 1, false));
    } else {
      pub->disconnect();
    }
  };
  pcb.on_closed = [&](const client::MqttClose& c) {
    pub_closed = "publisher: " + c.text;
    stopWhenDone();
  };
  MqttClient::Callbacks scb;
  scb.on_connected = [&](bool) { ASSERT_TRUE(sub->subscribe({{topic, 1}})); };
  scb.on_subscribed = [&](uint16_t, std::vector<uint8_t>) {
    ASSERT_TRUE(pub->connect(up ? relay : broker));
  };
  scb.on_message = [&](const client::MqttMessage& m) {
    got.push_back(m.payload);
    if (m.payload == end) sub->disconnect();
  };
  scb.on_closed = [&](const client::MqttClose& c) {
    sub_closed = "subscriber: " + c.text;
    stopWhenDone();
  };
  client::MqttClientOptions po;
  po.client_id = up ? "big-up" : "big-down-pub";
  pub = std::make_unique<MqttClient>(loop, up ? static_cast<client::ClientTransport&>(simple)
                                              : static_cast<client::ClientTransport&>(tcp),
                                     po, pcb);
  client::MqttClientOptions so;
  so.client_id = up ? "big-up-sub" : "big-down";
  sub = std::make_unique<MqttClient>(loop, up ? static_cast<client::ClientTransport&>(tcp)
                                              : static_cast<client::ClientTransport&>(simple),
                                     so, scb);
  Timer deadline(loop, [&] { loop.stop(); });
  deadline.start(seconds(240));
  EXPECT_TRUE(sub->connect(up ? broker : relay));
  loop.run();
  EXPECT_EQ(got.size(), 2u) << sub_closed << "; " << pub_closed;
  if (got.size() == 2) {
    EXPECT_EQ(got[0].size(), big.size());
    EXPECT_EQ(sha256(got[0]), sha256(big));
    EXPECT_EQ(got[1], end);
  }
  return simple.stats();
}

// The other way: a TCP publisher on the broker, a simple subscriber behind udp-impair.
TEST_F(SimpleTest, FiveMegabytesDownThroughALossyLinkArriveIntactAndOnce) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, kSimpleOn));
  Relay relay = startRelay({"--loss", "0.10", "--reorder", "0.20", "--duplicate", "0.01",
                            "--stats-file", relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  const auto stats = bigPayload(randomBytes(5 * 1024 * 1024), relay.port, /*up=*/false);
  EXPECT_GT(stats.duplicates + stats.packets_lost, 0u);
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  EXPECT_EQ(json.find("\"dropped\":0,"), std::string::npos) << json;
  EXPECT_EQ(json.find("\"duplicated\":0,"), std::string::npos) << json;
  EXPECT_EQ(brokerConnectionsOf("big-down"), 1);
}

// ---- handshake abuse ----

// [§7.1, §11] 2,000 HELLOs from 100 sockets that never answer the COOKIE, 200 HELLOs with
// forged cookies and 100 HELLOs under 128 bytes: no connection is created, every COOKIE is
// addressed to a HELLO's client CID and no larger than that HELLO, undersized HELLOs get
// nothing; then a real client connects and publishes.
TEST_F(SimpleTest, HelloFloodCreatesNoStateAndCookiesNeverAmplify) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, kSimpleOn));
  constexpr size_t kSockets = 100;
  std::vector<std::unique_ptr<UdpProbe>> probes;
  for (size_t i = 0; i < kSockets; ++i) probes.push_back(std::make_unique<UdpProbe>());
  struct Sent {
    Bytes cid;        // client CID (the COOKIE's DCID)
    size_t size = 0;  // bytes of the HELLO
    bool undersized = false;
  };
  std::map<Bytes, Sent> sent;  // by initial DCID
  auto sendHello = [&](size_t socket, const Bytes& cookie, bool undersized) {
    Bytes dcid = randomBytes(8 + randomBelow(13));
    Bytes cid = randomBytes(randomBelow(21));
    Bytes d = hello(dcid, cid, cookie, 0);
    const size_t size =
        undersized ? d.size() + randomBelow(128 - d.size()) : 128 + randomBelow(1200 - 128 + 1);
    d.resize(size, 0);
    ASSERT_TRUE(probes[socket]->sendTo(gateway_->quicPort(), d));
    sent[dcid] = {cid, size, undersized};
  };
  for (size_t i = 0; i < 100; ++i) ASSERT_NO_FATAL_FAILURE(sendHello(i % kSockets, {}, true));
  for (size_t i = 0; i < 2000; ++i) ASSERT_NO_FATAL_FAILURE(sendHello(i % kSockets, {}, false));
  for (size_t i = 0; i < 200; ++i) {
    ASSERT_NO_FATAL_FAILURE(sendHello(i % kSockets, randomBytes(1 + randomBelow(64)), false));
  }
  // Every socket ends with a barrier HELLO, resent until its COOKIE comes back: replies to a
  // socket's earlier HELLOs (one server socket, one worker) arrive before that one.
  size_t cookies = 0;
  for (size_t i = 0; i < kSockets; ++i) {
    const Bytes barrier_dcid = randomBytes(16);
    const Bytes barrier_cid = randomBytes(4);
    bool done = false;
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    auto next_send = std::chrono::steady_clock::now();
    while (!done && std::chrono::steady_clock::now() < deadline) {
      if (std::chrono::steady_clock::now() >= next_send) {
        ASSERT_TRUE(
            probes[i]->sendTo(gateway_->quicPort(), hello(barrier_dcid, barrier_cid, {}, 128)));
        next_send = std::chrono::steady_clock::now() + milliseconds(500);
      }
      auto d = probes[i]->receive(milliseconds(100));
      if (!d) continue;
      auto r = parseLong(*d);
      ASSERT_TRUE(r.has_value()) << "socket " << i << ": not a long header: " << d->size();
      ASSERT_EQ(r->type, 1) << "socket " << i << ": a reply other than COOKIE";
      ++cookies;
      if (r->scid == barrier_dcid) {
        EXPECT_EQ(r->dcid, barrier_cid);
        done = true;
        continue;
      }
      auto it = sent.find(r->scid);
      ASSERT_NE(it, sent.end()) << "a COOKIE for an initial DCID never sent";
      EXPECT_FALSE(it->second.undersized)
          << "a HELLO of " << it->second.size << " bytes got a COOKIE";
      EXPECT_EQ(r->dcid, it->second.cid);
      EXPECT_LE(r->size, it->second.size) << "the COOKIE is larger than its HELLO";
    }
    ASSERT_TRUE(done) << "socket " << i << ": no COOKIE for the barrier HELLO";
  }
  EXPECT_GT(cookies, kSockets);  // some of the flood was answered, not only the barriers
  EXPECT_EQ(simpleCurrent(), 0u);
  EXPECT_EQ(simpleTotal(), 0u);
  EXPECT_EQ(httpGet(gateway_->adminPort(), "/connections").body.find("\"simple\""),
            std::string::npos);
  EXPECT_GE(quicEvent("simple_cookie_sent"), cookies);
  // A real client still gets in.
  auto direct = subscribe(broker_->port(), "flood/after", 1, 1);
  auto [rc, out] = run(simpleCli("pub", {"-t", "flood/after", "-q", "1", "-m", "still-works"}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"still-works"}));
  EXPECT_EQ(simpleTotal(), 1u);
}

// [§7.1] Over limits.max_connections the server answers the HELLO with REFUSE
// CONNECTION_REFUSED: mqttd-cli reports a refused connection (exit 2).
TEST_F(SimpleTest, HelloBeyondTheConnectionLimitIsRefused) {
  ASSERT_NO_FATAL_FAILURE(startAll("limits:\n  max_connections: 1\n", true, kSimpleOn));
  ChildProcess sub(simpleCli("sub", {"-t", "lim/t", "-W", "60"}));
  ASSERT_TRUE(eventually([&] { return simpleCurrent() == 1; }));
  auto [rc, out] = run(simpleCli("pub", {"-t", "lim/t", "-m", "x"}));
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("CONNECTION_REFUSED"), std::string::npos) << out;
}

// [§7.1] A gateway that does not serve the framing says so at once (REFUSE), rather than
// leaving the client to wait for its handshake timeout.
TEST_F(SimpleTest, GatewayWithoutTheFramerRefusesAtOnce) {
  ASSERT_NO_FATAL_FAILURE(startAll());  // QUIC listener, simple_framer not enabled
  const auto started = std::chrono::steady_clock::now();
  auto [rc, out] = run(simpleCli("pub", {"-t", "off/t", "-m", "x"}));
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("simple framer not enabled"), std::string::npos) << out;
  // Well inside the client's 10 s handshake timeout: the answer came, not the timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(8));
}

// The splice path is QUIC's: a broker that is down gives the simple client an MQTT CONNACK
// "server unavailable", like mosquitto_pub, and then an orderly UPSTREAM_LOST close.
TEST_F(SimpleTest, BrokerDownGivesConnackServerUnavailable) {
  ASSERT_NO_FATAL_FAILURE(startAll("", /*with_broker=*/false, kSimpleOn));
  auto [rc, out] = run(simpleCli("pub", {"-t", "down/t", "-m", "x"}));
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("Connection Refused: server unavailable"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return simpleCurrent() == 0; }));
}

// ---- idle timeout, keepalive, stateless reset ----

// [§7.3] idle_timeout 1s and MQTT keepalive 0: a client killed with SIGKILL goes silent; the
// gateway forgets the connection and closes its broker connection (not 90 s later).
TEST_F(SimpleTest, IdleTimeoutClosesTheUpstreamOfASilentClient) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    idle_timeout: 1s\n" + std::string(kSimpleOn)));
  ChildProcess sub(simpleCli("sub", {"-t", "idle/t", "-k", "0", "-i", "idle-victim"}));
  ASSERT_TRUE(eventually([&] { return subacksToClients() == 1 && simpleCurrent() == 1; }))
      << sub.outputSoFar();
  EXPECT_EQ(brokerConnectionsOf("idle-victim"), 1);
  EXPECT_EQ(brokerDisconnectsOf("idle-victim"), 0);
  sub.signal(SIGKILL);
  ASSERT_TRUE(sub.wait(seconds(5)).has_value());
  EXPECT_TRUE(eventually([&] { return brokerDisconnectsOf("idle-victim") == 1; }, seconds(10)));
  EXPECT_TRUE(eventually([&] { return simpleCurrent() == 0; }, seconds(10)));
}

// The same with a client written by hand, which then sends to the forgotten connection: the
// gateway answers with a stateless reset carrying the token of its ACCEPT (§7.4).
TEST_F(SimpleTest, ForgottenConnectionIsAnsweredWithAStatelessReset) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    idle_timeout: 1s\n" + std::string(kSimpleOn)));
  RawSimpleClient raw(gateway_->quicPort());
  ASSERT_TRUE(raw.handshake(seconds(10)));
  Bytes connect = connectPacket("raw-idle");
  connect[11] = 0;  // keepalive 0 (bytes 10..11 of this CONNECT)
  ASSERT_TRUE(raw.send(streamFrame(0, connect)));
  auto connack = raw.readStream(4, seconds(10));
  ASSERT_TRUE(connack.has_value());
  EXPECT_EQ(*connack, (Bytes{0x20, 0x02, 0x00, 0x00}));
  // Silence.
  EXPECT_TRUE(eventually([&] { return brokerDisconnectsOf("raw-idle") == 1; }, seconds(10)));
  EXPECT_TRUE(eventually([&] { return simpleCurrent() == 0; }, seconds(10)));
  // The connection is gone: whatever answers a PING to it now is the stateless reset.
  Bytes ping{0x01};
  ping.resize(41, 0x00);  // PADDING: a 58-byte packet leaves room for a smaller reset
  std::optional<Bytes> reset;
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!reset && std::chrono::steady_clock::now() < deadline) {  // resets are rate-limited
    ASSERT_TRUE(raw.send(ping));
    reset = raw.receive(milliseconds(500));
  }
  ASSERT_TRUE(reset.has_value()) << "no stateless reset";
  EXPECT_GE(reset->size(), 21u);
  EXPECT_LE(reset->size(), 43u);
  EXPECT_EQ(reset->at(0) & 0xc0, 0x40);
  EXPECT_EQ(Bytes(reset->end() - 16, reset->end()), raw.accept().token);
}

// [§7.3] idle_timeout 1s, MQTT keepalive 0: the client's PINGs (after half the idle timeout
// of quiet) hold the connection through 3 s of silence; then a message still goes round.
TEST_F(SimpleTest, KeepalivePingsHoldAQuietConnectionOpen) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    idle_timeout: 1s\n" + std::string(kSimpleOn)));
  EventLoop loop;
  SimpleClientConnection simple(loop, {});
  std::unique_ptr<MqttClient> mqtt;
  std::vector<std::string> received;
  std::string closed_because;
  Timer later(loop, [&] { ASSERT_TRUE(mqtt->publish("ka/t", Bytes{'h', 'i'}, 1, false)); });
  MqttClient::Callbacks cb;
  cb.on_connected = [&](bool) { ASSERT_TRUE(mqtt->subscribe({{"ka/t", 1}})); };
  cb.on_subscribed = [&](uint16_t, std::vector<uint8_t>) { later.start(seconds(3)); };
  cb.on_message = [&](const client::MqttMessage& m) {
    received.emplace_back(m.payload.begin(), m.payload.end());
    mqtt->disconnect();
  };
  cb.on_closed = [&](const client::MqttClose& c) {
    closed_because = c.text;
    loop.stop();
  };
  client::MqttClientOptions mo;
  mo.client_id = "quiet-simple";
  mo.keep_alive = 0;
  mqtt = std::make_unique<MqttClient>(loop, simple, mo, cb);
  Timer deadline(loop, [&] { loop.stop(); });
  deadline.start(seconds(20));
  ASSERT_TRUE(mqtt->connect(address(std::to_string(gateway_->quicPort()))));
  loop.run();
  EXPECT_EQ(received, std::vector<std::string>{"hi"}) << "closed: " << closed_because;
  EXPECT_EQ(brokerConnectionsOf("quiet-simple"), 1);
}

// ---- sharing the port with QUIC ----

// A QUIC subscriber fed by a simple publisher and a simple subscriber fed by a QUIC publisher,
// all at once on the one UDP port.
TEST_F(SimpleTest, QuicAndSimpleClientsShareThePortAtTheSameTime) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, kSimpleOn));
  ChildProcess quic_sub(quicCli("sub", {"-t", "mix/a", "-q", "1", "-C", "50", "-v", "-W", "60"}));
  ChildProcess simple_sub(
      simpleCli("sub", {"-t", "mix/b", "-q", "1", "-C", "50", "-v", "-W", "60"}));
  ASSERT_TRUE(eventually([&] { return subacksToClients() == 2; }));
  ChildProcess simple_pub(
      simpleCli("pub", {"-t", "mix/a", "-q", "1", "-m", "a%n", "--repeat", "50"}));
  ChildProcess quic_pub(quicCli("pub", {"-t", "mix/b", "-q", "1", "-m", "b%n", "--repeat", "50"}));
  EXPECT_EQ(simple_pub.wait(seconds(60)), 0) << simple_pub.readAll(seconds(1));
  EXPECT_EQ(quic_pub.wait(seconds(60)), 0) << quic_pub.readAll(seconds(1));
  EXPECT_EQ(linesOf(quic_sub, "mix/a "), numbered("a", 50));
  EXPECT_EQ(linesOf(simple_sub, "mix/b "), numbered("b", 50));
  EXPECT_EQ(quic_sub.wait(seconds(10)), 0);
  EXPECT_EQ(simple_sub.wait(seconds(10)), 0);
  EXPECT_EQ(simpleTotal(), 2u);
  EXPECT_EQ(metric("mqttd_connections_total{transport=\"quic\"}"), 2u);
}

// ---- two workers ----

// mqttd-bench: 8 simple subscribers and 8 simple publishers on two workers; every subscriber
// gets every message once, in order per publisher, and both workers took connections.
TEST_F(SimpleTest, ManySimpleClientsOnTwoWorkers) {
  ASSERT_NO_FATAL_FAILURE(startAll("workers: 2\n", true, kSimpleOn));
  ChildProcess sub({bench(),  "sub",       "--transport", "simple",
                    "-h",     "127.0.0.1", "-p",          std::to_string(gateway_->quicPort()),
                    "-c",     "8",         "-i",          "0",
                    "-t",     "wk/#",      "-q",          "1",
                    "-L",     "1600",      "--duration",  "90",
                    "--json", "--quiet",   "--prefix",    "wk-sub"});
  ASSERT_TRUE(eventually([&] { return subacksToClients() == 8; }, seconds(30)));
  auto [rc, out] = run({bench(),  "pub",       "--transport", "simple",
                        "-h",     "127.0.0.1", "-p",          std::to_string(gateway_->quicPort()),
                        "-c",     "8",         "-i",          "0",
                        "-I",     "0",         "-t",          "wk/%i",
                        "-q",     "1",         "-L",          "200",
                        "--json", "--quiet",   "--prefix",    "wk-pub"},
                       seconds(90));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"transport\":\"simple\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"acked\":200"), std::string::npos) << out;
  const std::string sub_out = sub.readAll(seconds(90));
  EXPECT_EQ(sub.wait(seconds(10)), 0) << sub_out;
  EXPECT_NE(sub_out.find("\"received\":1600"), std::string::npos) << sub_out;
  EXPECT_NE(sub_out.find("\"duplicates\":0,\"gaps\":0"), std::string::npos) << sub_out;
  EXPECT_EQ(simpleTotal(), 16u);
  EXPECT_GT(metric("mqttd_worker_connections_total{worker=\"0\"}"), 0u);
  EXPECT_GT(metric("mqttd_worker_connections_total{worker=\"1\"}"), 0u);
}

// NAT rebinding with two workers: udp-impair moves the client's flow to a new source port
// every 40 datagrams (which the kernel may hash to the other worker); the server follows by
// connection ID (§7.2, §9). 200 QoS 1 messages each way, in order, over one broker session.
TEST_F(SimpleTest, NatRebindingOnTwoWorkersKeepsDeliveringInOrder) {
  ASSERT_NO_FATAL_FAILURE(startAll("workers: 2\n", true, kSimpleOn));
  Relay relay = startRelay({"--rebind-after", "40", "--stats-file", relayStatsPath()});
  ASSERT_FALSE(relay.port.empty());
  const auto relay_port = static_cast<uint16_t>(std::stoi(relay.port));
  auto direct = subscribe(broker_->port(), "nat/up", 1, 200);
  auto [rc, out] = run(simpleCli(
      "pub", {"-t", "nat/up", "-q", "1", "-m", "u%n", "--repeat", "200", "-i", "rebound-pub"},
      relay_port));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), numbered("u", 200));
  ChildProcess sub(
      simpleCli("sub", {"-t", "nat/down", "-q", "1", "-C", "200", "-i", "rebound-sub", "-W", "90"},
                relay_port));
  ASSERT_TRUE(eventually([&] { return subacksToClients() == 1; }));
  auto [rc2, out2] = run({cli(), "pub", "--transport", "tcp", "-h", "127.0.0.1", "-p",
                          std::to_string(broker_->port()), "-t", "nat/down", "-q", "1", "-m", "d%n",
                          "--repeat", "200"});
  ASSERT_EQ(rc2, 0) << out2;
  std::vector<std::string> got;
  while (auto line = sub.readLine(seconds(60))) got.push_back(*line);
  EXPECT_EQ(got, numbered("d", 200));
  EXPECT_EQ(sub.wait(seconds(10)), 0);
  relay.process->signal(SIGTERM);
  ASSERT_EQ(relay.process->wait(seconds(10)), 0);
  const std::string json = relayStats();
  EXPECT_EQ(json.find("\"rebinds\":0,"), std::string::npos) << "the relay never rebound: " << json;
  EXPECT_GE(quicEvent("path_migrated"), 2u);  // the server followed each client at least once
  EXPECT_EQ(brokerConnectionsOf("rebound-pub"), 1);
  EXPECT_EQ(brokerConnectionsOf("rebound-sub"), 1);
}

// mqttd-cli --migrate-after with --transport simple: the client itself moves to a new local
// port after 50 of 200 messages; the server follows, the broker session is untouched.
TEST_F(SimpleTest, ClientRebindMidStreamKeepsTheBrokerSession) {
  ASSERT_NO_FATAL_FAILURE(startAll("workers: 2\n", true, kSimpleOn));
  auto direct = subscribe(broker_->port(), "mig/simple", 1, 200);
  auto [rc, out] = run(simpleCli("pub", {"-t", "mig/simple", "-q", "1", "-m", "m%n", "--repeat",
                                         "200", "--migrate-after", "50", "-i", "mover", "-d"}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Migrated to local address"), std::string::npos) << out;
  EXPECT_EQ(payloads(*direct), numbered("m", 200));
  EXPECT_EQ(quicEvent("path_migrated"), 1u);
  EXPECT_EQ(brokerConnectionsOf("mover"), 1);
}

// ---- mqttd-cli ----

TEST_F(SimpleTest, CliRefusesTlsOptionsAndReportsAnUnreachablePort) {
  auto [rc, out] =
      run({cli(), "pub", "--transport", "simple", "--cafile", "x.pem", "-t", "t", "-m", "m"});
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("the simple framing has no TLS"), std::string::npos) << out;
  // Nothing listens on that UDP port: the ICMP port unreachable ends the handshake at once.
  auto [rc2, out2] = run({cli(), "pub", "--transport", "simple", "-h", "127.0.0.1", "-p",
                          std::to_string(freeUdpPort()), "-t", "t", "-m", "m"});
  EXPECT_EQ(rc2, 2) << out2;
  EXPECT_NE(out2.find("Connection refused"), std::string::npos) << out2;
}

}  // namespace
}  // namespace mqttd::test
