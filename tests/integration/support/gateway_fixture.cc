#include "gateway_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace mqttd::test {

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

int GatewayFixture::brokerConnectionsOf(const std::string& client_id) {
  std::string log;
  for (const char* name : {"/mosquitto.log", "/mosquitto.out"}) {
    std::ifstream in(dir_ + name);
    log.append(std::istreambuf_iterator<char>(in), {});
  }
  int n = 0;
  const std::string needle = " as " + client_id + " (";
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

int GatewayFixture::brokerDisconnectsOf(const std::string& client_id) {
  std::string log;
  for (const char* name : {"/mosquitto.log", "/mosquitto.out"}) {
    std::ifstream in(dir_ + name);
    log.append(std::istreambuf_iterator<char>(in), {});
  }
  // Mosquitto 2.0's wording for each way a client's connection ends.
  const std::string needles[] = {
      "Client " + client_id + " closed its connection.",
      "Client " + client_id + " disconnected.",
      "Socket error on client " + client_id + ", disconnecting.",
      "Client " + client_id + " has exceeded timeout, disconnecting.",
  };
  int n = 0;
  for (const std::string& needle : needles)
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

GatewayFixture::Relay GatewayFixture::startRelay(const std::vector<std::string>& args) {
  std::vector<std::string> argv{envOr("UDP_IMPAIR", "udp-impair"), "--listen", "127.0.0.1:0",
                                "--target", "127.0.0.1:" + std::to_string(gateway_->quicPort())};
  argv.insert(argv.end(), args.begin(), args.end());
  Relay relay{std::make_unique<ChildProcess>(argv), ""};
  const std::string prefix = "listening 127.0.0.1:";
  auto listening = relay.process->readLine(std::chrono::seconds(10));
  if (listening && listening->rfind(prefix, 0) == 0) {
    relay.port = listening->substr(prefix.size());
  } else {
    ADD_FAILURE() << "udp-impair did not start: " << listening.value_or("(no output)");
  }
  return relay;
}

void GatewayFixture::SetUp() {
  char tmpl[] = "/tmp/mqttd-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
}

void GatewayFixture::TearDown() {
  if (HasFailure() && gateway_) std::cerr << "---- gateway log ----\n" << gateway_->log();
  gateway_.reset();
  broker_.reset();
  if (!HasFailure()) std::filesystem::remove_all(dir_);
}

void GatewayFixture::startAll(const std::string& extra_yaml, bool with_broker,
                              const std::string& quic_yaml) {
  uint16_t broker_port = 0;
  if (with_broker) {
    broker_ = std::make_unique<MosquittoBroker>(dir_);
    ASSERT_TRUE(broker_->started()) << "mosquitto did not start";
    broker_port = broker_->port();
  } else {
    broker_port = freeTcpPort();  // nothing listens there
  }
  gateway_ = std::make_unique<GatewayProcess>(dir_, broker_port, extra_yaml, quic_yaml);
  if (with_broker)
    ASSERT_TRUE(gateway_->waitReady()) << "gateway not ready:\n" << gateway_->log();
  else
    ASSERT_TRUE(gateway_->waitAlive()) << "gateway not alive:\n" << gateway_->log();
}

std::unique_ptr<ChildProcess> GatewayFixture::subscribe(uint16_t port, const std::string& topic,
                                                        int qos, int count,
                                                        const std::vector<std::string>& extra) {
  // stdbuf: mosquitto_sub block-buffers stdout into a pipe; lines must arrive as printed.
  std::vector<std::string> argv{"stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p",
                                std::to_string(port), "-t", topic, "-q", std::to_string(qos),
                                "-C", std::to_string(count), "-W", "60"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto sub = std::make_unique<ChildProcess>(argv);
  auto line = sub->waitForLine("received SUBACK", std::chrono::seconds(10));
  EXPECT_TRUE(line.has_value()) << "no SUBACK; output:\n" << sub->outputSoFar();
  return sub;
}

int GatewayFixture::publish(uint16_t port, const std::string& topic, int qos,
                            const std::string& message, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port),
                                "-t", topic, "-q", std::to_string(qos)};
  if (!message.empty()) {
    argv.push_back("-m");
    argv.push_back(message);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  ChildProcess pub(argv);
  auto status = pub.wait(std::chrono::seconds(30));
  return status.value_or(-1);
}

std::vector<std::string> GatewayFixture::payloads(ChildProcess& sub) {
  std::vector<std::string> out;
  while (auto line = sub.readLine(std::chrono::seconds(30))) {
    if (line->rfind("Client ", 0) == 0 || line->rfind("Subscribed (", 0) == 0) continue;
    out.push_back(*line);
  }
  return out;
}

std::string GatewayFixture::relayStats() const {
  std::ifstream in(relayStatsPath());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::pair<int, std::string> GatewayFixture::run(const std::vector<std::string>& argv,
                                                std::chrono::seconds timeout) {
  ChildProcess p(argv);
  std::string out = p.readAll(timeout);
  return {p.wait(std::chrono::seconds(10)).value_or(-1), out};
}

uint64_t GatewayFixture::metric(const std::string& series) {
  const std::string body = httpGet(gateway_->adminPort(), "/metrics").body;
  const auto pos = body.find("\n" + series + " ");
  if (pos == std::string::npos) return ~0ull;
  return std::stoull(body.substr(pos + series.size() + 2));
}

uint64_t GatewayFixture::quicEvent(const std::string& event) {
  return metric("mqttd_quic_events_total{event=\"" + event + "\"}");
}

}  // namespace mqttd::test
