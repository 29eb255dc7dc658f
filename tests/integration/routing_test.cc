// Local routing (issue 7, docs/routing.md) end to end: routes and handlers from gw.yaml in the
// real mqttd-gw, real Mosquitto behind it, real clients (mosquitto_pub/sub, mqttd-cli over QUIC)
// and byte-exact packets over raw TCP sockets. What reached the broker, or did not, is always
// checked with a subscriber connected DIRECTLY to the broker; what a handler got is read from
// its file, its webhook server or its exec child, and parsed here (not with the gateway's code).
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>

#include <gmock/gmock.h>

#include "mqtt_bytes.h"
#include "support/flat_json.h"
#include "support/gateway_fixture.h"
#include "support/http_recorder.h"

namespace mqttd::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Bytes = std::vector<uint8_t>;

std::string cli() {
  return envOr("MQTTD_CLI", "mqttd-cli");
}

// ---- MQTT packets, by hand ----

Bytes packet(uint8_t first, const Bytes& body) {
  Bytes out{first};
  appendLength(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// PUBLISH (3.1.1 §3.3, 5.0 §3.3); `props`: 5.0 properties, without their length.
Bytes publishQos(const std::string& topic, const std::string& payload, uint8_t qos, uint16_t id,
                 uint8_t level, bool dup = false, const Bytes& props = {}) {
  Bytes body;
  appendString(body, topic);
  if (qos > 0) {
    body.push_back(static_cast<uint8_t>(id >> 8));
    body.push_back(static_cast<uint8_t>(id & 0xff));
  }
  if (level == 5) {
    appendLength(body, props.size());
    body.insert(body.end(), props.begin(), props.end());
  }
  body.insert(body.end(), payload.begin(), payload.end());
  return packet(static_cast<uint8_t>(0x30 | (dup ? 0x08 : 0) | (qos << 1)), body);
}

// 5.0 §3.3.2.3.4: Topic Alias, property 0x23, two-byte integer.
Bytes topicAlias(uint16_t alias) {
  return {0x23, static_cast<uint8_t>(alias >> 8), static_cast<uint8_t>(alias & 0xff)};
}

// PUBREL (3.1.1 §3.6: flags 0b0010); 5.0 allows omitting reason 0x00.
Bytes pubrelPacket(uint16_t id) {
  return {0x62, 0x02, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xff)};
}

constexpr uint8_t kPuback = 0x40;
constexpr uint8_t kPubrec = 0x50;
constexpr uint8_t kPubcomp = 0x70;

std::string hex(const std::optional<Bytes>& p) {
  if (!p) return "(nothing)";
  std::string out;
  char buf[4];
  for (uint8_t b : *p) {
    std::snprintf(buf, sizeof buf, "%02x ", b);
    out += buf;
  }
  return out;
}

// `p` is the ack `first` (PUBACK/PUBREC/PUBCOMP) for `id` with `reason`. 3.1.1: exactly the
// four bytes. 5.0 §3.4.2.1: remaining length 2 means reason 0x00; 3: reason without
// properties; 4+: reason and a property length that covers the rest.
::testing::AssertionResult isAck(const std::optional<Bytes>& p, uint8_t first, uint16_t id,
                                 uint8_t reason, uint8_t level) {
  const uint8_t hi = static_cast<uint8_t>(id >> 8), lo = static_cast<uint8_t>(id & 0xff);
  if (!p) return ::testing::AssertionFailure() << "no packet";
  const Bytes& b = *p;
  if (level == 4) {
    if (b == Bytes{first, 0x02, hi, lo} && reason == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << hex(p);
  }
  bool ok = b.size() >= 4 && b[0] == first && b[1] + 2u == b.size() && b[2] == hi && b[3] == lo;
  if (ok && b[1] == 2) ok = reason == 0;
  if (ok && b[1] >= 3) ok = b[4] == reason;
  if (ok && b[1] >= 4) ok = b[5] < 0x80 && b[5] + 6u == b.size();
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << hex(p) << ", want type 0x" << std::hex << int(first) << " id " << std::dec
         << id << " reason 0x" << std::hex << int(reason);
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class RoutingTest : public GatewayFixture {
 protected:
  // `mqttd-gw --check-config` on `file`, a config with one file handler (audit) and
  // `routes_yaml` under `routes:` (from line 9): {exit status, output}.
  std::pair<int, std::string> checkConfig(const std::string& file, const std::string& routes_yaml) {
    std::ofstream(file) << "upstream:\n"
                           "  address: 127.0.0.1:1883\n"
                           "listeners:\n"
                           "  tcp:\n"
                           "    address: 127.0.0.1:0\n"
                           "handlers:\n"
                           "  audit: { type: file, path: "
                        << path("audit.jsonl") << " }\n"
                        << "routes:\n"
                        << routes_yaml;
    return run({GatewayProcess::binary(), "--check-config", "-c", file}, std::chrono::seconds(10));
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // The lines of `file` so far (none when it does not exist).
  static std::vector<std::string> lines(const std::string& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }
  // Waits until `file` has `n` lines (or more); returns them all, each parsed as a JSON object
  // (a line that is not one is a failure).
  std::vector<JsonObject> waitMessages(const std::string& file, size_t n) {
    const bool got = eventually([&] { return lines(file).size() >= n; });
    const auto all = lines(file);
    EXPECT_TRUE(got) << file << " has " << all.size() << " lines, want " << n;
    std::vector<JsonObject> out;
    for (const auto& line : all) {
      auto obj = parseFlatJson(line);
      EXPECT_TRUE(obj) << "not a flat JSON object: " << line;
      out.push_back(obj.value_or(JsonObject{}));
    }
    return out;
  }
  static std::string field(const JsonObject& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? "(absent)" : it->second.text;
  }
  static std::vector<std::string> fieldOfAll(const std::vector<JsonObject>& ms,
                                             const std::string& key) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(field(m, key));
    return out;
  }

  // A raw client that has sent CONNECT (3.1.1: level 4, 5.0: level 5) and got a CONNACK 0x00.
  std::optional<TcpClient> rawClient(const std::string& client_id, uint8_t level) {
    auto client = TcpClient::connect(gateway_->tcpPort());
    if (!client) {
      ADD_FAILURE() << "no TCP connection to the gateway";
      return std::nullopt;
    }
    EXPECT_TRUE(client->send(connectPacket(client_id, level)));
    auto connack = client->readPacket(seconds(10));
    const bool ok =
        connack && connack->size() >= 4 && (*connack)[0] == 0x20 && (*connack)[3] == 0x00;
    if (!ok) {
      ADD_FAILURE() << "CONNACK: " << hex(connack);
      return std::nullopt;
    }
    return client;
  }

  // mqttd-cli over QUIC to the gateway, trusting its development certificate.
  std::vector<std::string> quicCli(const std::string& command, std::vector<std::string> args) {
    std::vector<std::string> argv{cli(),         command,
                                  "--transport", "quic",
                                  "-h",          "127.0.0.1",
                                  "-p",          std::to_string(gateway_->quicPort()),
                                  "--cafile",    gateway_->certPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  uint64_t routeMatched(int index, const std::string& filter, const std::string& action,
                        const std::string& source = "clients") {
    return metric("mqttd_route_matched_total{route=\"" + std::to_string(index) + "\",filter=\"" +
                  filter + "\",action=\"" + action + "\",source=\"" + source + "\"}");
  }
  uint64_t handlerMetric(const std::string& name, const std::string& handler,
                         const std::string& type) {
    return metric("mqttd_handler_" + name + "{handler=\"" + handler + "\",type=\"" + type + "\"}");
  }
  // eventually(metric == want), with the last value in the failure message.
  ::testing::AssertionResult metricReaches(const std::function<uint64_t()>& read, uint64_t want) {
    uint64_t last = 0;
    if (eventually([&] { return (last = read()) == want; })) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "metric is " << last << ", want " << want;
  }

  // The config the fixture wrote, without the extra YAML it appended (call right after startAll).
  std::string baseConfig(const std::string& extra_yaml) {
    std::ifstream in(gateway_->configPath());
    std::string text(std::istreambuf_iterator<char>(in), {});
    EXPECT_TRUE(text.size() >= extra_yaml.size() &&
                text.compare(text.size() - extra_yaml.size(), std::string::npos, extra_yaml) == 0);
    return text.substr(0, text.size() - extra_yaml.size());
  }
  // Rewrites gw.yaml, sends SIGHUP and waits for the reload to be logged.
  void reload(const std::string& config) {
    const auto count = [&] {
      const std::string log = gateway_->log();
      int n = 0;
      for (size_t at = log.find("configuration reloaded"); at != std::string::npos;
           at = log.find("configuration reloaded", at + 1))
        ++n;
      return n;
    };
    const int before = count();
    std::ofstream(gateway_->configPath(), std::ios::trunc) << config;
    gateway_->process().signal(SIGHUP);
    ASSERT_TRUE(eventually([&] { return count() > before; })) << gateway_->log();
  }

  // `handlers:` with one file handler `name` writing to `file` in dir_.
  std::string fileHandler(const std::string& name = "audit",
                          const std::string& file = "audit.jsonl") {
    return "handlers:\n  " + name + ": { type: file, path: " + path(file) + " }\n";
  }
};

// POSIX extended regular expressions (gmock's MatchesRegex; std::regex trips GCC 12's
// -Wmaybe-uninitialized under ASan).
const char kTimestamp[] = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z";
const char kHex[] = "[0-9a-f]+";

// ---------------------------------------------------------------------------------------------
// 1. tap: to the broker AND a copy to the handler.

// docs/routing.md §JSON: every field of a tapped message, over TCP; UTF-8 payloads as text
// (U+0000 escaped), others base64; connection_id is the /connections id in hex.
TEST_F(RoutingTest, TapOverTcpReachesBrokerAndFileHandlerWithEveryField) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() +
                                   "routes:\n"
                                   "  - { filter: \"sensors/#\", action: tap, handler: audit }\n"));
  auto direct = subscribe(broker_->port(), "sensors/#", 2, 3, {"-v"});

  ASSERT_EQ(publish(gateway_->tcpPort(), "sensors/t1", 1, "21.5", {"-i", "tap-tcp", "-u", "alice"}),
            0);
  const std::string binary(
      "\xff\xfe\x00\x80\x01"
      "bin",
      8);  // not UTF-8
  const std::string bin_file = path("binary.bin");
  std::ofstream(bin_file, std::ios::binary) << binary;
  ASSERT_EQ(publish(gateway_->tcpPort(), "sensors/bin", 2, "", {"-i", "tap-bin", "-f", bin_file}),
            0);
  // A connection kept open, to compare the message's connection_id and peer with /connections.
  auto raw = rawClient("tap-raw", 4);
  ASSERT_TRUE(raw);
  const std::string nul_payload("nul\0byte", 8);  // valid UTF-8 with U+0000
  ASSERT_TRUE(raw->send(publishQos("sensors/raw", nul_payload, 0, 0, 4)));

  // Three connections, QoS 0..2: the subscriber may see them in any order.
  EXPECT_EQ(sorted(payloads(*direct)),
            sorted({"sensors/t1 21.5", "sensors/bin " + binary, "sensors/raw " + nul_payload}));
  const auto ms = waitMessages(path("audit.jsonl"), 3);
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(fieldOfAll(ms, "topic"),
            (std::vector<std::string>{"sensors/t1", "sensors/bin", "sensors/raw"}));

  const JsonObject& t1 = ms[0];
  EXPECT_EQ(field(t1, "payload"), "21.5");
  EXPECT_EQ(field(t1, "encoding"), "utf8");
  EXPECT_EQ(field(t1, "qos"), "1");
  EXPECT_TRUE(t1.count("qos") == 1 && !t1.at("qos").is_string);  // a number
  EXPECT_EQ(field(t1, "retain"), "false");
  EXPECT_EQ(field(t1, "client_id"), "tap-tcp");
  EXPECT_EQ(field(t1, "username"), "alice");
  EXPECT_EQ(field(t1, "transport"), "tcp");
  EXPECT_EQ(field(t1, "peer").rfind("127.0.0.1:", 0), 0u) << field(t1, "peer");
  EXPECT_THAT(field(t1, "connection_id"), testing::MatchesRegex(kHex)) << field(t1, "connection_id");
  EXPECT_THAT(field(t1, "timestamp"), testing::MatchesRegex(kTimestamp)) << field(t1, "timestamp");

  const JsonObject& bin = ms[1];
  EXPECT_EQ(field(bin, "encoding"), "base64");
  EXPECT_EQ(field(bin, "payload"), base64(binary));
  EXPECT_EQ(field(bin, "payload"), "//4AgAFiaW4=");
  EXPECT_EQ(field(bin, "qos"), "2");
  EXPECT_EQ(field(bin, "client_id"), "tap-bin");
  EXPECT_NE(field(bin, "connection_id"), field(t1, "connection_id"));

  const JsonObject& r = ms[2];
  EXPECT_EQ(field(r, "encoding"), "utf8");
  EXPECT_EQ(field(r, "payload"), nul_payload);
  EXPECT_EQ(field(r, "qos"), "0");
  EXPECT_EQ(field(r, "username"), "");  // no user name in the CONNECT
  // The same connection in /connections: decimal id there, hex here.
  const std::string listing = httpGet(gateway_->adminPort(), "/connections").body;
  const size_t at = listing.find("\"client_id\":\"tap-raw\"");
  ASSERT_NE(at, std::string::npos) << listing;
  const size_t id_at = listing.rfind("{\"id\":", at);
  ASSERT_NE(id_at, std::string::npos) << listing;
  const uint64_t id = std::stoull(listing.substr(id_at + 6));
  EXPECT_EQ(std::stoull(field(r, "connection_id"), nullptr, 16), id) << field(r, "connection_id");
  const size_t peer_at = listing.find("\"peer\":\"", id_at);
  ASSERT_NE(peer_at, std::string::npos);
  EXPECT_EQ(listing.substr(peer_at + 8, listing.find('"', peer_at + 8) - peer_at - 8),
            field(r, "peer"));

  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "sensors/#", "tap"); }, 3));
  EXPECT_TRUE(metricReaches([&] { return handlerMetric("delivered_total", "audit", "file"); }, 3));
  EXPECT_EQ(handlerMetric("dropped_total", "audit", "file"), 0u);
  EXPECT_EQ(handlerMetric("errors_total", "audit", "file"), 0u);
  EXPECT_EQ(handlerMetric("queue_depth", "audit", "file"), 0u);
}

TEST_F(RoutingTest, TapOverQuicReachesBrokerAndFileHandler) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() +
                                   "routes:\n"
                                   "  - { filter: \"sensors/#\", action: tap, handler: audit }\n"));
  auto direct = subscribe(broker_->port(), "sensors/#", 2, 2, {"-v"});
  auto [rc1, out1] = run(quicCli("pub", {"-t", "sensors/q", "-q", "2", "-r", "-m", "h\xc3\xa9llo",
                                         "-i", "tap-quic", "-u", "bob", "-P", "pw"}));
  ASSERT_EQ(rc1, 0) << out1;
  const std::string tricky = "say \"hi\"\t\\ \x01";  // needs JSON escapes
  auto [rc2, out2] = run(
      quicCli("pub", {"-t", "sensors/e", "-q", "1", "-m", tricky, "-i", "tap-quic-2", "-V", "5"}));
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_EQ(sorted(payloads(*direct)), sorted({"sensors/q h\xc3\xa9llo", "sensors/e " + tricky}));

  const auto ms = waitMessages(path("audit.jsonl"), 2);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(field(ms[0], "topic"), "sensors/q");
  EXPECT_EQ(field(ms[0], "payload"), "h\xc3\xa9llo");
  EXPECT_EQ(field(ms[0], "encoding"), "utf8");
  EXPECT_EQ(field(ms[0], "qos"), "2");
  EXPECT_EQ(field(ms[0], "retain"), "true");
  EXPECT_EQ(field(ms[0], "client_id"), "tap-quic");
  EXPECT_EQ(field(ms[0], "username"), "bob");
  EXPECT_EQ(field(ms[0], "transport"), "quic");
  EXPECT_EQ(field(ms[0], "peer").rfind("127.0.0.1:", 0), 0u) << field(ms[0], "peer");
  EXPECT_THAT(field(ms[0], "connection_id"), testing::MatchesRegex(kHex));
  EXPECT_THAT(field(ms[0], "timestamp"), testing::MatchesRegex(kTimestamp));
  EXPECT_EQ(field(ms[1], "topic"), "sensors/e");
  EXPECT_EQ(field(ms[1], "payload"), tricky);
  EXPECT_EQ(field(ms[1], "transport"), "quic");
  EXPECT_EQ(field(ms[1], "client_id"), "tap-quic-2");
  EXPECT_EQ(field(ms[1], "retain"), "false");
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "sensors/#", "tap"); }, 2));
  EXPECT_TRUE(metricReaches([&] { return handlerMetric("delivered_total", "audit", "file"); }, 2));
}

// The simple framer (docs/simple-framing.md) is a third transport: "simple" in the JSON.
TEST_F(RoutingTest, TapOverTheSimpleFramerSaysTransportSimple) {
  ASSERT_NO_FATAL_FAILURE(
      startAll(fileHandler() + "routes:\n"
                               "  - { filter: \"sensors/#\", action: tap, handler: audit }\n",
               true, "    simple_framer:\n      enabled: true\n"));
  auto direct = subscribe(broker_->port(), "sensors/#", 1, 1);
  auto [rc, out] = run({cli(), "pub", "--transport", "simple", "-h", "127.0.0.1", "-p",
                        std::to_string(gateway_->quicPort()), "-t", "sensors/s", "-q", "1", "-m",
                        "framed", "-i", "tap-simple"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"framed"}));
  const auto ms = waitMessages(path("audit.jsonl"), 1);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(field(ms[0], "transport"), "simple");
  EXPECT_EQ(field(ms[0], "client_id"), "tap-simple");
  EXPECT_EQ(field(ms[0], "payload"), "framed");
  EXPECT_EQ(field(ms[0], "peer").rfind("127.0.0.1:", 0), 0u) << field(ms[0], "peer");
}

// Routes are tried in order, the first match decides, no match forwards.
TEST_F(RoutingTest, FirstMatchingRouteDecidesAndUnmatchedTopicsAreForwarded) {
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  first: { type: file, path: " +
               path("first.jsonl") +
               " }\n"
               "  second: { type: file, path: " +
               path("second.jsonl") +
               " }\n"
               "routes:\n"
               "  - { filter: \"a/+/x\", action: local, handler: first }\n"
               "  - { filter: \"a/#\", action: tap, handler: second }\n"
               "  - { filter: \"a/b/fwd\", action: local, handler: first }\n"));
  auto direct = subscribe(broker_->port(), "#", 1, 3, {"-v"});
  auto client = rawClient("order", 4);
  ASSERT_TRUE(client);
  // a/b/x: route 0 (local); a/b/y: route 1 (tap); a/b/fwd: route 1 too (route 2 is never
  // reached); z: no route.
  ASSERT_TRUE(client->send(publishQos("a/b/x", "0", 1, 1, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 1, 0, 4));
  ASSERT_TRUE(client->send(publishQos("a/b/y", "1", 1, 2, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 2, 0, 4));
  ASSERT_TRUE(client->send(publishQos("a/b/fwd", "2", 1, 3, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 3, 0, 4));
  ASSERT_TRUE(client->send(publishQos("z", "3", 1, 4, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 4, 0, 4));
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"a/b/y 1", "a/b/fwd 2", "z 3"}));
  EXPECT_EQ(fieldOfAll(waitMessages(path("first.jsonl"), 1), "topic"),
            (std::vector<std::string>{"a/b/x"}));
  EXPECT_EQ(fieldOfAll(waitMessages(path("second.jsonl"), 2), "topic"),
            (std::vector<std::string>{"a/b/y", "a/b/fwd"}));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "a/+/x", "local"); }, 1));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(1, "a/#", "tap"); }, 2));
  EXPECT_EQ(routeMatched(2, "a/b/fwd", "local"), 0u);
}

// ---------------------------------------------------------------------------------------------
// 2. local: to the handler only; the gateway completes the QoS flow itself.

constexpr char kLocalRoutes[] =
    "routes:\n"
    "  - { filter: \"local/#\", action: local, handler: audit }\n";

TEST_F(RoutingTest, LocalOverTcpNeverReachesTheBrokerAndIsAcked) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() + kLocalRoutes));
  // Anything on local/# that leaked to the broker would arrive before the control message.
  auto direct = subscribe(broker_->port(), "#", 2, 1, {"-v"});
  // mosquitto_pub exits 0 only once its PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived.
  ASSERT_EQ(publish(gateway_->tcpPort(), "local/q0", 0, "zero", {"-i", "loc-0"}), 0);
  ASSERT_EQ(publish(gateway_->tcpPort(), "local/q1", 1, "one", {"-i", "loc-1"}), 0);
  ASSERT_EQ(publish(gateway_->tcpPort(), "local/q2", 2, "two", {"-i", "loc-2"}), 0);
  ASSERT_EQ(publish(gateway_->tcpPort(), "local/v5q1", 1, "five-one", {"-V", "mqttv5"}), 0);
  ASSERT_EQ(publish(gateway_->tcpPort(), "local/v5q2", 2, "five-two", {"-V", "mqttv5"}), 0);
  ASSERT_EQ(publish(gateway_->tcpPort(), "control", 1, "ctl"), 0);
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));

  const auto ms = waitMessages(path("audit.jsonl"), 5);
  EXPECT_EQ(fieldOfAll(ms, "topic"), (std::vector<std::string>{"local/q0", "local/q1", "local/q2",
                                                               "local/v5q1", "local/v5q2"}));
  EXPECT_EQ(fieldOfAll(ms, "payload"),
            (std::vector<std::string>{"zero", "one", "two", "five-one", "five-two"}));
  EXPECT_EQ(fieldOfAll(ms, "qos"), (std::vector<std::string>{"0", "1", "2", "1", "2"}));
  EXPECT_EQ(fieldOfAll(ms, "transport"), (std::vector<std::string>(5, "tcp")));
  EXPECT_EQ(field(ms[2], "client_id"), "loc-2");
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "local/#", "local"); }, 5));
  EXPECT_TRUE(metricReaches([&] { return handlerMetric("delivered_total", "audit", "file"); }, 5));
}

TEST_F(RoutingTest, LocalOverQuicNeverReachesTheBrokerAndIsAcked) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() + kLocalRoutes));
  auto direct = subscribe(broker_->port(), "#", 2, 1, {"-v"});
  // mqttd-cli exits 0 once each message was acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP).
  for (const auto& [qos, version] : std::vector<std::pair<std::string, std::string>>{
           {"0", "311"}, {"1", "311"}, {"2", "311"}, {"1", "5"}, {"2", "5"}}) {
    auto [rc, out] = run(quicCli("pub", {"-t", "local/q" + qos, "-q", qos, "-V", version, "-m",
                                         "m" + qos + "v" + version, "--repeat", "2"}));
    ASSERT_EQ(rc, 0) << "QoS " << qos << " v" << version << ": " << out;
  }
  auto [rc, out] = run(quicCli("pub", {"-t", "control", "-q", "1", "-m", "ctl"}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));

  const auto ms = waitMessages(path("audit.jsonl"), 10);
  EXPECT_EQ(fieldOfAll(ms, "payload"),
            (std::vector<std::string>{"m0v311", "m0v311", "m1v311", "m1v311", "m2v311", "m2v311",
                                      "m1v5", "m1v5", "m2v5", "m2v5"}));
  EXPECT_EQ(fieldOfAll(ms, "qos"),
            (std::vector<std::string>{"0", "0", "1", "1", "2", "2", "1", "1", "2", "2"}));
  EXPECT_EQ(fieldOfAll(ms, "transport"), (std::vector<std::string>(10, "quic")));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "local/#", "local"); }, 10));
}

class RoutingQos2 : public RoutingTest, public ::testing::WithParamInterface<uint8_t> {};

// [MQTT-4.3.3-2], [MQTT-4.3.3-9] (5.0 [MQTT-4.3.3-3], [MQTT-4.3.3-11]): the receiver answers a
// QoS 2 PUBLISH with PUBREC and its PUBREL with PUBCOMP, same packet id; a DUP re-send before the
// PUBREL is answered with PUBREC again and not delivered onward twice. For a local message the
// gateway is that receiver: neither the PUBLISH nor the PUBREL reaches the broker.
TEST_P(RoutingQos2, LocalQos2ExactlyOnceFlowIsCompletedByTheGateway) {
  const uint8_t level = GetParam();
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() + kLocalRoutes));
  auto direct = subscribe(broker_->port(), "#", 1, 1, {"-v"});
  auto client = rawClient("qos2-raw", level);
  ASSERT_TRUE(client);

  ASSERT_TRUE(client->send(publishQos("local/q2", "exactly-once", 2, 7, level)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPubrec, 7, 0x00, level));
  // DUP re-send (DUP flag 0x08) before PUBREL.
  ASSERT_TRUE(client->send(publishQos("local/q2", "exactly-once", 2, 7, level, /*dup=*/true)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPubrec, 7, 0x00, level));
  ASSERT_TRUE(client->send(pubrelPacket(7)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPubcomp, 7, 0x00, level));
  // Had the PUBREL gone to the broker, its PUBCOMP would arrive before this PUBACK.
  ASSERT_TRUE(client->send(publishQos("local/after", "after", 1, 8, level)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 8, 0x00, level));
  // A forwarded control message on the same connection: the broker sees only it.
  ASSERT_TRUE(client->send(publishQos("control", "ctl", 1, 9, level)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 9, 0x00, level));
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));

  // In order through one handler queue: a second copy of id 7 would come before "after".
  const auto ms = waitMessages(path("audit.jsonl"), 2);
  EXPECT_EQ(fieldOfAll(ms, "payload"), (std::vector<std::string>{"exactly-once", "after"}));
  EXPECT_EQ(field(ms[0], "qos"), "2");
  EXPECT_EQ(field(ms[0], "client_id"), "qos2-raw");
}

INSTANTIATE_TEST_SUITE_P(Version, RoutingQos2, ::testing::Values(uint8_t{4}, uint8_t{5}),
                         [](const auto& param_info) {
                           return param_info.param == 4 ? "Mqtt311" : "Mqtt5";
                         });

// ---------------------------------------------------------------------------------------------
// 3. drop: nowhere. 5.0: reason 0x87 Not authorized (§3.4.2.1, §3.5.2.1); 3.1.1: on_drop.

constexpr char kDropRoutes[] =
    "routes:\n"
    "  - { filter: \"blocked/#\", action: drop }\n"
    "  - { filter: \"refused/#\", action: drop, on_drop: disconnect }\n";

TEST_F(RoutingTest, DropAnswersV5WithNotAuthorized) {
  ASSERT_NO_FATAL_FAILURE(startAll(kDropRoutes));
  auto direct = subscribe(broker_->port(), "#", 1, 1, {"-v"});
  auto client = rawClient("drop-5", 5);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("blocked/a", "q1", 1, 1, 5)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 1, 0x87, 5));
  ASSERT_TRUE(client->send(publishQos("blocked/b", "q2", 2, 2, 5)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPubrec, 2, 0x87, 5));
  // 5.0 §4.3.3: a PUBREC with a reason >= 0x80 ends the flow (no PUBREL).
  ASSERT_TRUE(client->send(publishQos("blocked/c", "q0", 0, 0, 5)));  // no answer
  // on_drop is for 3.1.1 only: a v5 client is refused with 0x87 and stays connected.
  ASSERT_TRUE(client->send(publishQos("refused/a", "q1", 1, 3, 5)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 3, 0x87, 5));
  ASSERT_TRUE(client->send(publishQos("control", "ctl", 1, 4, 5)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 4, 0x00, 5));
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "blocked/#", "drop"); }, 3));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(1, "refused/#", "drop"); }, 1));
}

// on_drop: ignore: a 3.1.1 client is acknowledged as if the message was delivered, including the
// whole QoS 2 flow (its PUBREL never reaches the broker either).
TEST_F(RoutingTest, DropWithIgnoreAcksA311ClientAsSuccess) {
  ASSERT_NO_FATAL_FAILURE(startAll(kDropRoutes));
  auto direct = subscribe(broker_->port(), "#", 1, 1, {"-v"});
  ASSERT_EQ(publish(gateway_->tcpPort(), "blocked/pub", 1, "q1"), 0);
  auto client = rawClient("drop-311", 4);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("blocked/a", "q1", 1, 1, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 1, 0, 4));
  ASSERT_TRUE(client->send(publishQos("blocked/b", "q2", 2, 2, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPubrec, 2, 0, 4));
  ASSERT_TRUE(client->send(pubrelPacket(2)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPubcomp, 2, 0, 4));
  ASSERT_TRUE(client->send(publishQos("control", "ctl", 1, 3, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 3, 0, 4));
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "blocked/#", "drop"); }, 3));
}

// on_drop: disconnect: the gateway closes a 3.1.1 client's connection, as a 3.1.1 broker does
// when it refuses a PUBLISH; nothing reaches the broker.
TEST_F(RoutingTest, DropWithDisconnectClosesA311Client) {
  ASSERT_NO_FATAL_FAILURE(startAll(kDropRoutes));
  auto direct = subscribe(broker_->port(), "#", 1, 1, {"-v"});
  auto client = rawClient("refused-311", 4);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("refused/a", "q1", 1, 1, 4)));
  EXPECT_TRUE(client->waitClosed(seconds(5)));
  auto qos0 = rawClient("refused-311-q0", 4);
  ASSERT_TRUE(qos0);
  ASSERT_TRUE(qos0->send(publishQos("refused/b", "q0", 0, 0, 4)));
  EXPECT_TRUE(qos0->waitClosed(seconds(5)));
  ASSERT_EQ(publish(gateway_->tcpPort(), "control", 1, "ctl"), 0);
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(1, "refused/#", "drop"); }, 2));
  EXPECT_EQ(routeMatched(0, "blocked/#", "drop"), 0u);
}

// The same over QUIC with a real client: mqttd-cli reports the v5 refusal (reason 135 = 0x87) and
// fails; a 3.1.1 client is acked (ignore) or cut off (disconnect); the broker sees none of it.
TEST_F(RoutingTest, DropOverQuic) {
  ASSERT_NO_FATAL_FAILURE(startAll(kDropRoutes));
  auto direct = subscribe(broker_->port(), "#", 1, 1, {"-v"});
  auto [rc5, out5] = run(quicCli("pub", {"-t", "blocked/a", "-q", "1", "-V", "5", "-m", "x"}));
  EXPECT_NE(rc5, 0) << out5;
  EXPECT_NE(out5.find("reason code 135"), std::string::npos) << out5;
  auto [rc311, out311] = run(quicCli("pub", {"-t", "blocked/a", "-q", "2", "-V", "311", "-m", "y"}));
  EXPECT_EQ(rc311, 0) << out311;
  auto [rc_cut, out_cut] =
      run(quicCli("pub", {"-t", "refused/a", "-q", "1", "-V", "311", "-m", "z"}));
  EXPECT_NE(rc_cut, 0) << out_cut;
  auto [rc, out] = run(quicCli("pub", {"-t", "control", "-q", "1", "-m", "ctl"}));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"control ctl"}));
  EXPECT_TRUE(metricReaches([&] { return metric("mqttd_errors_total{kind=\"route_refused\"}"); }, 1));
}

// ---------------------------------------------------------------------------------------------
// 4. MQTT 5 topic aliases (5.0 §3.3.2.3.4): routes and handlers see the real topic.

constexpr char kAliasRoutes[] =
    "routes:\n"
    "  - { filter: \"local/#\", action: local, handler: audit }\n"
    "  - { filter: \"tap/#\", action: tap, handler: audit }\n";

TEST_F(RoutingTest, TopicAliasesAreResolvedForLocalAndTapRoutes) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() + kAliasRoutes));
  auto direct = subscribe(broker_->port(), "#", 1, 3, {"-v"});
  auto client = rawClient("alias-5", 5);
  ASSERT_TRUE(client);
  // Mosquitto's default max_topic_alias is 10: aliases 1..3 are within what its CONNACK allows.
  ASSERT_TRUE(client->send(publishQos("local/a", "one", 1, 1, 5, false, topicAlias(1))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 1, 0, 5));
  ASSERT_TRUE(client->send(publishQos("", "two", 1, 2, 5, false, topicAlias(1))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 2, 0, 5));
  ASSERT_TRUE(client->send(publishQos("tap/a", "three", 1, 3, 5, false, topicAlias(2))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 3, 0, 5));
  ASSERT_TRUE(client->send(publishQos("", "four", 1, 4, 5, false, topicAlias(2))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 4, 0, 5));
  // [MQTT-3.3.2-12] ff.: an alias may be set again to another topic.
  ASSERT_TRUE(client->send(publishQos("local/b", "five", 0, 0, 5, false, topicAlias(1))));
  ASSERT_TRUE(client->send(publishQos("", "six", 0, 0, 5, false, topicAlias(1))));
  ASSERT_TRUE(client->send(publishQos("tap/b", "seven", 1, 5, 5, false, topicAlias(2))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 5, 0, 5));
  EXPECT_EQ(payloads(*direct),
            (std::vector<std::string>{"tap/a three", "tap/a four", "tap/b seven"}));
  const auto ms = waitMessages(path("audit.jsonl"), 7);
  EXPECT_EQ(fieldOfAll(ms, "topic"),
            (std::vector<std::string>{"local/a", "local/a", "tap/a", "tap/a", "local/b", "local/b",
                                      "tap/b"}));
  EXPECT_EQ(fieldOfAll(ms, "payload"),
            (std::vector<std::string>{"one", "two", "three", "four", "five", "six", "seven"}));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "local/#", "local"); }, 4));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(1, "tap/#", "tap"); }, 3));
}

// An alias the gateway refuses: DISCONNECT 0x94 Topic Alias invalid (5.0 §3.14.2.1) from the
// gateway, then the connection closes; nothing reaches a handler.
void expectTopicAliasInvalid(TcpClient& client) {
  auto disconnect = client.readPacket(seconds(5));
  ASSERT_TRUE(disconnect);
  ASSERT_GE(disconnect->size(), 3u) << hex(disconnect);
  EXPECT_EQ((*disconnect)[0], 0xE0) << hex(disconnect);
  EXPECT_EQ((*disconnect)[2], 0x94) << hex(disconnect);
  EXPECT_TRUE(client.waitClosed(seconds(5)));
}

// 5.0 §3.3.2.3.4: an alias-only PUBLISH (zero-length topic) with an alias the client never set
// has no topic. The gateway resolves aliases before routing, so it is the one to refuse it
// (Mosquitto would answer an unknown alias with 0x82 Protocol Error, not 0x94).
TEST_F(RoutingTest, UnknownTopicAliasGetsDisconnect0x94) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() + kAliasRoutes));
  auto client = rawClient("alias-unknown", 5);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("", "x", 1, 1, 5, false, topicAlias(3))));
  ASSERT_NO_FATAL_FAILURE(expectTopicAliasInvalid(*client));
  EXPECT_TRUE(lines(path("audit.jsonl")).empty());
  EXPECT_EQ(routeMatched(0, "local/#", "local"), 0u);
}

// [MQTT-3.3.2-8]: Topic Alias 0 is not permitted. mqtt_tap.h (TapError::kTopicAliasInvalid:
// "alias 0, unknown, or too many alias bytes (DISCONNECT 0x94)") and Mosquitto both answer 0x94.
TEST_F(RoutingTest, TopicAliasZeroGetsDisconnect0x94) {
  ASSERT_NO_FATAL_FAILURE(startAll(fileHandler() + kAliasRoutes));
  auto client = rawClient("alias-zero", 5);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("local/z", "x", 1, 1, 5, false, topicAlias(0))));
  ASSERT_NO_FATAL_FAILURE(expectTopicAliasInvalid(*client));
  EXPECT_TRUE(lines(path("audit.jsonl")).empty());
}

// A PUBLISH the gateway kept set its alias at the gateway only; once a reload forwards that topic,
// an alias-only PUBLISH must reach the broker spelled out (the broker never learned the alias).
TEST_F(RoutingTest, AliasSetByAKeptPublishStillWorksWhenAReloadForwardsIt) {
  const std::string extra = fileHandler() + kAliasRoutes;
  ASSERT_NO_FATAL_FAILURE(startAll(extra));
  const std::string base = baseConfig(extra);
  auto direct = subscribe(broker_->port(), "#", 1, 2, {"-v"});
  auto client = rawClient("alias-reload", 5);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("local/k", "kept", 1, 1, 5, false, topicAlias(4))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 1, 0, 5));
  EXPECT_EQ(fieldOfAll(waitMessages(path("audit.jsonl"), 1), "payload"),
            (std::vector<std::string>{"kept"}));
  ASSERT_NO_FATAL_FAILURE(reload(base));  // no routes: everything is forwarded
  ASSERT_TRUE(client->send(publishQos("", "forwarded", 1, 2, 5, false, topicAlias(4))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 2, 0, 5));
  ASSERT_TRUE(client->send(publishQos("", "again", 1, 3, 5, false, topicAlias(4))));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 3, 0, 5));
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"local/k forwarded", "local/k again"}));
  EXPECT_EQ(brokerConnectionsOf("alias-reload"), 1);
  EXPECT_EQ(brokerDisconnectsOf("alias-reload"), 0);
  EXPECT_EQ(lines(path("audit.jsonl")).size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// 5.–7. webhook and exec handlers.

TEST_F(RoutingTest, WebhookHandlerPostsEachMessageAsJson) {
  HttpRecorder server;
  ASSERT_TRUE(server.started());
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  alarms: { type: webhook, url: \"" +
               server.url("/alarms") +
               "\", timeout: 2s, retries: 2 }\n"
               "routes:\n"
               "  - { filter: \"alarms/#\", action: tap, handler: alarms }\n"));
  auto direct = subscribe(broker_->port(), "alarms/#", 1, 3);
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(publish(gateway_->tcpPort(), "alarms/" + std::to_string(i), 1,
                      "fire" + std::to_string(i), {"-i", "hook"}),
              0);
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"fire1", "fire2", "fire3"}));
  ASSERT_TRUE(eventually([&] { return server.requestCount() >= 3; }))
      << server.requestCount() << " requests";
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    const auto& r = requests[i];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/alarms");
    const auto ct = r.headers.find("content-type");
    ASSERT_NE(ct, r.headers.end());
    EXPECT_EQ(ct->second.rfind("application/json", 0), 0u) << ct->second;
    auto json = parseFlatJson(r.body);
    ASSERT_TRUE(json) << r.body;
    EXPECT_EQ(field(*json, "topic"), "alarms/" + std::to_string(i + 1));
    EXPECT_EQ(field(*json, "payload"), "fire" + std::to_string(i + 1));
    EXPECT_EQ(field(*json, "client_id"), "hook");
    EXPECT_EQ(field(*json, "transport"), "tcp");
  }
  EXPECT_TRUE(
      metricReaches([&] { return handlerMetric("delivered_total", "alarms", "webhook"); }, 3));
  EXPECT_EQ(handlerMetric("errors_total", "alarms", "webhook"), 0u);
}

TEST_F(RoutingTest, ExecHandlerGetsOneJsonLinePerMessageOnStdin) {
  const std::string out = path("exec.jsonl");
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  enrich: { type: exec, command: [/bin/sh, -c, \"cat >> " +
               out +
               "\"] }\n"
               "routes:\n"
               "  - { filter: \"local/#\", action: local, handler: enrich }\n"));
  auto [rc, text] = run({cli(), "pub", "--transport", "tcp", "-h", "127.0.0.1", "-p",
                         std::to_string(gateway_->tcpPort()), "-t", "local/exec", "-q", "1", "-m",
                         "e%n", "--repeat", "5", "-i", "exec-pub"});
  ASSERT_EQ(rc, 0) << text;
  const auto ms = waitMessages(out, 5);
  EXPECT_EQ(fieldOfAll(ms, "payload"), numbered("e", 5));
  EXPECT_EQ(fieldOfAll(ms, "topic"), (std::vector<std::string>(5, "local/exec")));
  EXPECT_EQ(fieldOfAll(ms, "client_id"), (std::vector<std::string>(5, "exec-pub")));
  EXPECT_TRUE(metricReaches([&] { return handlerMetric("delivered_total", "enrich", "exec"); }, 5));
}

// A handler's queue is bounded and drained by its own thread: a webhook that never answers fills
// its queue and loses messages (counted) but forwarding to the broker is not held up.
TEST_F(RoutingTest, BlockedWebhookDoesNotSlowForwarding) {
  HttpRecorder server(HttpRecorder::Mode::kStall);
  ASSERT_TRUE(server.started());
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  slow: { type: webhook, url: \"" +
               server.url("/slow") +
               "\", timeout: 5s, queue_length: 10 }\n"
               "routes:\n"
               "  - { filter: \"bulk/#\", action: tap, handler: slow }\n"));
  constexpr int kMessages = 500;
  auto direct = subscribe(broker_->port(), "bulk/#", 1, kMessages);
  const auto start = std::chrono::steady_clock::now();
  auto [rc, out] = run({cli(), "pub", "--transport", "tcp", "-h", "127.0.0.1", "-p",
                        std::to_string(gateway_->tcpPort()), "-t", "bulk/x", "-q", "1", "-m", "m%n",
                        "--repeat", std::to_string(kMessages)},
                       seconds(30));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct), numbered("m", kMessages));
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
  std::cout << kMessages << " QoS 1 messages through a tap to a stalled webhook: " << took.count()
            << " ms\n";
  EXPECT_LT(took, seconds(30));
  EXPECT_TRUE(eventually([&] { return server.requestCount() >= 1; }));  // it did try
  EXPECT_GE(handlerMetric("dropped_total", "slow", "webhook"), 480u);
  EXPECT_LE(handlerMetric("queue_depth", "slow", "webhook"), 10u);
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "bulk/#", "tap"); }, kMessages));
}

// Each handler's queue is bounded by payload bytes too (queue_bytes).
TEST_F(RoutingTest, QueueBytesBoundsAStalledHandlersQueue) {
  HttpRecorder server(HttpRecorder::Mode::kStall);
  ASSERT_TRUE(server.started());
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  slow: { type: webhook, url: \"" +
               server.url("/slow") +
               "\", timeout: 10s, queue_bytes: 1KiB }\n"
               "routes:\n"
               "  - { filter: \"bulk/#\", action: tap, handler: slow }\n"));
  constexpr int kMessages = 100;
  const std::string pad(396, 'p');  // 397..399-byte payloads: at most 2 fit in 1 KiB
  auto direct = subscribe(broker_->port(), "bulk/#", 1, kMessages);
  auto [rc, out] = run({cli(), "pub", "--transport", "tcp", "-h", "127.0.0.1", "-p",
                        std::to_string(gateway_->tcpPort()), "-t", "bulk/x", "-q", "1", "-m",
                        pad + "%n", "--repeat", std::to_string(kMessages)},
                       seconds(30));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(payloads(*direct).size(), size_t{kMessages});
  // One message with the (stalled) webhook, at most two waiting: the other 97 dropped.
  EXPECT_GE(handlerMetric("dropped_total", "slow", "webhook"), 97u);
  EXPECT_LE(handlerMetric("queue_depth", "slow", "webhook"), 2u);
}

// retries: N further attempts after a failed one; then the message is given up and counted.
TEST_F(RoutingTest, FailingWebhookIsRetriedThenCountedAsError) {
  HttpRecorder server(HttpRecorder::Mode::kError);
  ASSERT_TRUE(server.started());
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  failing: { type: webhook, url: \"" +
               server.url("/fail") +
               "\", timeout: 2s, retries: 2 }\n"
               "routes:\n"
               "  - { filter: \"alarms/#\", action: tap, handler: failing }\n"));
  auto direct = subscribe(broker_->port(), "alarms/#", 1, 2);
  ASSERT_EQ(publish(gateway_->tcpPort(), "alarms/1", 1, "a1"), 0);
  ASSERT_EQ(publish(gateway_->tcpPort(), "alarms/2", 1, "a2"), 0);
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"a1", "a2"}));  // forwarding unaffected
  EXPECT_TRUE(
      metricReaches([&] { return handlerMetric("errors_total", "failing", "webhook"); }, 2));
  EXPECT_EQ(handlerMetric("delivered_total", "failing", "webhook"), 0u);
  const auto requests = server.requests();
  std::vector<std::string> topics;
  for (const auto& r : requests)
    topics.push_back(field(parseFlatJson(r.body).value_or(JsonObject{}), "topic"));
  // 1 + 2 attempts each, in order.
  EXPECT_EQ(topics, (std::vector<std::string>{"alarms/1", "alarms/1", "alarms/1", "alarms/2",
                                              "alarms/2", "alarms/2"}));
}

// type: log: one log line per message.
TEST_F(RoutingTest, LogHandlerLogsEachMessage) {
  ASSERT_NO_FATAL_FAILURE(
      startAll("handlers:\n"
               "  console: { type: log }\n"
               "routes:\n"
               "  - { filter: \"logs/#\", action: local, handler: console }\n"));
  ASSERT_EQ(publish(gateway_->tcpPort(), "logs/unique-topic-17", 1, "log-me", {"-i", "log-pub"}),
            0);
  EXPECT_TRUE(metricReaches([&] { return handlerMetric("delivered_total", "console", "log"); }, 1));
  EXPECT_TRUE(eventually([&] {
    return gateway_->log().find("logs/unique-topic-17") != std::string::npos;
  })) << gateway_->log();
}

// The file handler's file is reopened on SIGHUP (log rotation: rename, then SIGHUP).
TEST_F(RoutingTest, FileHandlerReopensItsFileOnSighup) {
  const std::string extra = fileHandler() +
                            "routes:\n"
                            "  - { filter: \"sensors/#\", action: local, handler: audit }\n";
  ASSERT_NO_FATAL_FAILURE(startAll(extra));
  ASSERT_EQ(publish(gateway_->tcpPort(), "sensors/a", 1, "one"), 0);
  EXPECT_EQ(fieldOfAll(waitMessages(path("audit.jsonl"), 1), "payload"),
            (std::vector<std::string>{"one"}));
  std::filesystem::rename(path("audit.jsonl"), path("audit.jsonl.1"));
  std::ifstream in(gateway_->configPath());
  ASSERT_NO_FATAL_FAILURE(reload(std::string(std::istreambuf_iterator<char>(in), {})));
  ASSERT_EQ(publish(gateway_->tcpPort(), "sensors/a", 1, "two"), 0);
  EXPECT_EQ(fieldOfAll(waitMessages(path("audit.jsonl"), 1), "payload"),
            (std::vector<std::string>{"two"}));
  EXPECT_EQ(lines(path("audit.jsonl.1")).size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// 8. source: broker: the gateway's own subscription at the broker.

TEST_F(RoutingTest, BrokerSourceRouteSeesMessagesPublishedDirectlyAtTheBroker) {
  ASSERT_NO_FATAL_FAILURE(
      startAll(fileHandler() +
               "routes:\n"
               "  - { filter: \"alarms/#\", source: broker, action: tap, handler: audit }\n"));
  // The gateway subscribes at the broker after it starts: probe until its subscription delivers.
  int probes = 0;
  ASSERT_TRUE(eventually([&] {
    if (!lines(path("audit.jsonl")).empty()) return true;
    if (probes++ % 10 == 0) (void)publish(broker_->port(), "alarms/probe", 1, "probe");
    return false;
  })) << "the broker subscription never delivered";

  ASSERT_EQ(publish(broker_->port(), "alarms/x", 1, "fire", {"-i", "direct-pub"}), 0);
  // Published through the gateway: the client-side routes do not match (there are none), the
  // broker subscription does, so it arrives once, as "broker".
  ASSERT_EQ(publish(gateway_->tcpPort(), "alarms/y", 1, "via-gw"), 0);
  // Not matching the filter: not delivered.
  ASSERT_EQ(publish(broker_->port(), "other/z", 1, "no"), 0);
  ASSERT_EQ(publish(broker_->port(), "alarms/end", 1, "end"), 0);
  // One subscription, one handler queue: in order, so alarms/end comes last.
  EXPECT_TRUE(eventually([&] {
    for (const auto& line : lines(path("audit.jsonl")))
      if (line.find("\"alarms/end\"") != std::string::npos) return true;
    return false;
  }));
  const auto ms = waitMessages(path("audit.jsonl"), 1);
  std::vector<JsonObject> real;
  for (const auto& m : ms)
    if (field(m, "topic") != "alarms/probe") real.push_back(m);
  EXPECT_EQ(fieldOfAll(real, "topic"),
            (std::vector<std::string>{"alarms/x", "alarms/y", "alarms/end"}));
  ASSERT_FALSE(real.empty());
  EXPECT_EQ(field(real[0], "payload"), "fire");
  EXPECT_EQ(field(real[0], "transport"), "broker");
  EXPECT_EQ(field(real[0], "peer"), "127.0.0.1:" + std::to_string(broker_->port()));
  EXPECT_EQ(field(real[0], "encoding"), "utf8");
  EXPECT_THAT(field(real[0], "timestamp"), testing::MatchesRegex(kTimestamp));
  if (real.size() > 1) {
    EXPECT_EQ(field(real[1], "transport"), "broker");
  }
  EXPECT_TRUE(
      metricReaches([&] { return routeMatched(0, "alarms/#", "tap", "broker"); }, ms.size()));
  EXPECT_EQ(metric("mqttd_broker_subscription_up"), 1u);
  EXPECT_EQ(metric("mqttd_broker_subscription_reconnects_total"), 0u);
}

// ---------------------------------------------------------------------------------------------
// 9. SIGHUP: new routes and handlers for connections already open, from their next PUBLISH on.

TEST_F(RoutingTest, ReloadAppliesNewRoutesToAnOpenConnectionWithoutDroppingIt) {
  ASSERT_NO_FATAL_FAILURE(startAll());  // no handlers, no routes
  const std::string base = baseConfig("");
  auto direct = subscribe(broker_->port(), "#", 1, 3, {"-v"});
  auto client = rawClient("reloader", 4);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->send(publishQos("t/1", "before", 1, 1, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 1, 0, 4));

  ASSERT_NO_FATAL_FAILURE(reload(base + fileHandler() +
                                 "routes:\n"
                                 "  - { filter: \"t/#\", action: local, handler: audit }\n"));
  ASSERT_TRUE(client->send(publishQos("t/1", "after", 1, 2, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 2, 0, 4));
  ASSERT_TRUE(client->send(publishQos("c/1", "ctl", 1, 3, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 3, 0, 4));
  const auto ms = waitMessages(path("audit.jsonl"), 1);
  EXPECT_EQ(fieldOfAll(ms, "payload"), (std::vector<std::string>{"after"}));
  EXPECT_EQ(fieldOfAll(ms, "client_id"), (std::vector<std::string>{"reloader"}));
  EXPECT_TRUE(metricReaches([&] { return routeMatched(0, "t/#", "local"); }, 1));

  // And back: with the routes gone, t/1 is forwarded again.
  ASSERT_NO_FATAL_FAILURE(reload(base));
  ASSERT_TRUE(client->send(publishQos("t/1", "again", 1, 4, 4)));
  EXPECT_TRUE(isAck(client->readPacket(seconds(10)), kPuback, 4, 0, 4));
  EXPECT_EQ(payloads(*direct), (std::vector<std::string>{"t/1 before", "c/1 ctl", "t/1 again"}));
  EXPECT_EQ(lines(path("audit.jsonl")).size(), 1u);
  // One upstream session all along.
  EXPECT_EQ(brokerConnectionsOf("reloader"), 1);
  EXPECT_EQ(brokerDisconnectsOf("reloader"), 0);
}

// ---------------------------------------------------------------------------------------------
// 10. Config errors name the key.

TEST_F(RoutingTest, CheckConfigNamesAnUnknownHandlerInARoute) {
  const std::string file = path("bad.yaml");
  auto [rc, out] = checkConfig(file, "  - { filter: \"a/#\", action: tap, handler: nosuch }\n");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("routes[0].handler"), std::string::npos) << out;
  EXPECT_NE(out.find("nosuch"), std::string::npos) << out;
  EXPECT_NE(out.find(file + ":9:"), std::string::npos) << out;  // the route's line
}

TEST_F(RoutingTest, CheckConfigRefusesAHandlerOnADropRoute) {
  auto [rc, out] = checkConfig(path("bad.yaml"),
                               "  - { filter: \"a/#\", action: tap, handler: audit }\n"
                               "  - { filter: \"b/#\", action: drop, handler: audit }\n");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("routes[1].handler"), std::string::npos) << out;
  EXPECT_EQ(out.find("routes[0]"), std::string::npos) << out;
}

TEST_F(RoutingTest, CheckConfigRefusesABrokerSourceRouteThatIsNotTap) {
  auto [rc, out] = checkConfig(
      path("bad.yaml"), "  - { filter: \"a/#\", source: broker, action: local, handler: audit }\n");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("routes[0]."), std::string::npos) << out;
}

}  // namespace
}  // namespace mqttd::test
