// BenchOptions: defaults, each option, topic templates and the errors that name the option.
#include "bench/bench_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mqttd::bench {
namespace {

Result<BenchOptions, std::string> parse(std::vector<std::string> args) {
  return BenchOptions::parse(args);
}

void expectError(std::vector<std::string> args, const std::string& fragment) {
  auto r = parse(args);
  ASSERT_FALSE(r.ok()) << "accepted " << args.back();
  EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
}

TEST(BenchOptionsTest, Defaults) {
  auto r = parse({"pub"});
  ASSERT_TRUE(r.ok());
  const BenchOptions& o = *r;
  EXPECT_EQ(o.mode, BenchMode::kPub);
  EXPECT_EQ(o.clients, 1u);
  EXPECT_EQ(o.connect_interval_ms, 10u);
  EXPECT_EQ(o.publish_interval_ms, 1000u);
  EXPECT_EQ(o.limit, 0u);
  EXPECT_EQ(o.topic, "bench/%i");
  EXPECT_EQ(o.payload_size, 256u);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(*o.port, 14567);
  EXPECT_TRUE(o.quic);
  EXPECT_EQ(o.alpn, std::vector<std::string>{"mqtt"});
  EXPECT_EQ(o.inflight, 32u);
  EXPECT_EQ(o.prefix.rfind("mqttd-bench-", 0), 0u);
  EXPECT_EQ(parse({"sub"})->topic, "bench/#");
  EXPECT_EQ(*parse({"sub", "--transport", "tcp"})->port, 1883);
}

TEST(BenchOptionsTest, ParsesEveryOption) {
  auto r = parse({"sub",         "-c",   "50",         "-i",     "0",          "-I",       "5",
                  "-L",          "1000", "--duration", "30",     "-t",         "t/%c",     "-s",
                  "64",          "-q",   "2",          "-h",     "::1",        "-p",       "1884",
                  "--transport", "tcp",  "--cafile",   "ca.pem", "--insecure", "--alpn",   "mqtt,x",
                  "-V",          "5",    "--inflight", "8",      "--json",     "--quiet",  "-u",
                  "me",          "-P",   "pw",         "-k",     "0",          "--prefix", "b"});
  ASSERT_TRUE(r.ok()) << r.error();
  const BenchOptions& o = *r;
  EXPECT_EQ(o.mode, BenchMode::kSub);
  EXPECT_EQ(o.clients, 50u);
  EXPECT_EQ(o.connect_interval_ms, 0u);
  EXPECT_EQ(o.publish_interval_ms, 5u);
  EXPECT_EQ(o.limit, 1000u);
  EXPECT_EQ(o.duration_s, 30u);
  EXPECT_EQ(o.payload_size, 64u);
  EXPECT_EQ(o.qos, 2);
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(*o.port, 1884);
  EXPECT_FALSE(o.quic);
  EXPECT_EQ(o.cafile, "ca.pem");
  EXPECT_TRUE(o.insecure);
  EXPECT_EQ(o.alpn, (std::vector<std::string>{"mqtt", "x"}));
  EXPECT_EQ(o.version, mqtt::ProtocolVersion::kV5);
  EXPECT_EQ(o.inflight, 8u);
  EXPECT_TRUE(o.json);
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(*o.username, "me");
  EXPECT_EQ(*o.password, "pw");
  EXPECT_EQ(o.keepalive, 0);
  EXPECT_EQ(o.clientId(3), "b-3");
  EXPECT_EQ(o.topicFor(3), "t/b-3");
}

TEST(BenchOptionsTest, TopicTemplates) {
  EXPECT_EQ(BenchOptions::expandTopic("bench/%i", 7, "id"), "bench/7");
  EXPECT_EQ(BenchOptions::expandTopic("a/%c/%i/x", 12, "p-12"), "a/p-12/12/x");
  EXPECT_EQ(BenchOptions::expandTopic("100%%/%i", 1, "id"), "100%/1");
  EXPECT_EQ(BenchOptions::expandTopic("plain", 1, "id"), "plain");
  auto r = parse({"pub", "--prefix", "run", "-t", "d/%c/%i"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topicFor(1), "d/run-1/1");
}

TEST(BenchOptionsTest, ErrorsNameTheOption) {
  expectError({}, "missing mode");
  expectError({"bench"}, "unknown mode 'bench'");
  expectError({"pub", "--frobnicate"}, "unknown option '--frobnicate'");
  expectError({"pub", "-c", "0"}, "option -c");
  expectError({"pub", "-c"}, "option -c");
  expectError({"pub", "-c", "-5"}, "option -c");
  expectError({"pub", "-c", "12abc"}, "option -c");
  expectError({"pub", "-s", "15"}, "option -s");
  expectError({"pub", "-q", "3"}, "option -q");
  expectError({"pub", "-p", "65536"}, "option -p");
  expectError({"pub", "--transport", "udp"}, "option --transport");
  expectError({"pub", "-V", "4"}, "option -V");
  expectError({"pub", "--inflight", "0"}, "option --inflight");
  expectError({"pub", "--alpn", "mqtt,,x"}, "option --alpn");
  expectError({"pub", "-t", "a/%x"}, "unknown '%x'");
  expectError({"pub", "-t", "a/%"}, "lone '%'");
  expectError({"pub", "-t", "a/#"}, "wildcards");
  expectError({"pub", "-t", "a/+/b"}, "wildcards");
  expectError({"pub", "-P", "pw"}, "option -P");
}

TEST(BenchOptionsTest, ZeroRttIsAnOption) {
  auto r = parse({"conn", "--zero-rtt"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->zero_rtt);
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_FALSE(parse({"conn"})->zero_rtt);
}

TEST(BenchOptionsTest, SubAcceptsWildcards) {
  auto r = parse({"sub", "-t", "bench/+/x/#"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topicFor(1), "bench/+/x/#");
}

TEST(BenchOptionsTest, Help) {
  EXPECT_TRUE(parse({"--help"})->help);
  EXPECT_TRUE(parse({"pub", "--help"})->help);
}

}  // namespace
}  // namespace mqttd::bench
