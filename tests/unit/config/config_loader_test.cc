#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "core/log.h"

namespace mqttd {
namespace {

using namespace std::chrono_literals;
using testing::ElementsAre;

constexpr std::string_view kMinimal =
    "upstream:\n"
    "  address: 127.0.0.1:1883\n"
    "listeners:\n"
    "  tcp:\n"
    "    address: 127.0.0.1:11883\n"
    "admin:\n"
    "  address: 127.0.0.1:9100\n";

Config load(std::string_view yaml) {
  auto r = ConfigLoader::loadString(yaml, "gw.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : toString(r.error()));
  return r.ok() ? std::move(r).value() : Config{};
}

// Every error of loading `yaml` as "gw.yaml", one string each.
std::vector<std::string> errors(std::string_view yaml) {
  const auto r = ConfigLoader::loadString(yaml, "gw.yaml");
  EXPECT_FALSE(r.ok()) << "loaded without errors:\n" << yaml;
  std::vector<std::string> out;
  if (!r.ok())
    for (const ConfigError& e : r.error()) out.push_back(e.toString());
  return out;
}

// kMinimal plus `extra` lines appended (from line 8 on).
std::string minimalPlus(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

TEST(ConfigLoaderTest, MinimalConfigLoadsWithDefaults) {
  const Config c = load(kMinimal);
  const Config defaults;
  EXPECT_EQ(c.source, "gw.yaml");
  EXPECT_EQ(c.upstream.address, "127.0.0.1:1883");
  EXPECT_EQ(c.upstream.connect_timeout, defaults.upstream.connect_timeout);
  EXPECT_EQ(c.upstream.health_interval, defaults.upstream.health_interval);
  ASSERT_TRUE(c.listeners.tcp.has_value());
  EXPECT_EQ(c.listeners.tcp->address, "127.0.0.1:11883");
  EXPECT_EQ(c.listeners.tcp->backlog, 511);
  EXPECT_EQ(c.admin.address, "127.0.0.1:9100");
  EXPECT_EQ(c.limits.max_packet_size, defaults.limits.max_packet_size);
  EXPECT_EQ(c.limits.max_connections, defaults.limits.max_connections);
  EXPECT_EQ(c.limits.buffer_high_water, defaults.limits.buffer_high_water);
  EXPECT_EQ(c.limits.buffer_low_water, defaults.limits.buffer_low_water);
  EXPECT_EQ(c.limits.connect_packet_timeout, defaults.limits.connect_packet_timeout);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, "text");
  EXPECT_EQ(c.drain_timeout, defaults.drain_timeout);
}

TEST(ConfigLoaderTest, AdminIsOptional) {
  const Config c = load(
      "upstream: {address: 127.0.0.1:1883}\n"
      "listeners: {tcp: {address: '[::1]:0'}}\n");
  EXPECT_EQ(c.admin.address, "");
  EXPECT_EQ(c.listeners.tcp->address, "[::1]:0");
}

TEST(ConfigLoaderTest, EveryKeyParses) {
  const Config c = load(
      "upstream:\n"
      "  address: '[::1]:1884'\n"
      "  connect_timeout: 2s\n"
      "  health_interval: 1m30s\n"
      "listeners:\n"
      "  tcp:\n"
      "    address: 0.0.0.0:0\n"
      "    backlog: 128\n"
      "admin:\n"
      "  address: 127.0.0.1:0\n"
      "limits:\n"
      "  max_packet_size: 1MiB\n"
      "  max_connections: 500\n"
      "  buffer_high_water: 1MB\n"
      "  buffer_low_water: 4096\n"
      "  connect_packet_timeout: 750ms\n"
      "log:\n"
      "  level: debug\n"
      "  format: json\n"
      "drain_timeout: 0s\n");
  EXPECT_EQ(c.upstream.address, "[::1]:1884");
  EXPECT_EQ(c.upstream.connect_timeout, 2s);
  EXPECT_EQ(c.upstream.health_interval, 90s);
  EXPECT_EQ(c.listeners.tcp->address, "0.0.0.0:0");
  EXPECT_EQ(c.listeners.tcp->backlog, 128);
  EXPECT_EQ(c.admin.address, "127.0.0.1:0");
  EXPECT_EQ(c.limits.max_packet_size, 1048576u);
  EXPECT_EQ(c.limits.max_connections, 500u);
  EXPECT_EQ(c.limits.buffer_high_water, 1000000u);
  EXPECT_EQ(c.limits.buffer_low_water, 4096u);
  EXPECT_EQ(c.limits.connect_packet_timeout, 750ms);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.drain_timeout, 0ms);
}

TEST(ConfigLoaderTest, LogChoicesAreCoreLogNames) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_EQ(load(minimalPlus("log: {level: " + std::string(level) + "}\n")).log.level, level);
    EXPECT_TRUE(parseLogLevel(level).has_value()) << level;
  }
  for (const char* format : {"text", "json"}) {
    EXPECT_EQ(load(minimalPlus("log: {format: " + std::string(format) + "}\n")).log.format, format);
    EXPECT_TRUE(parseLogFormat(format).has_value()) << format;
  }
}

TEST(ConfigLoaderTest, UnknownKeySuggestsNearest) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: 127.0.0.1:1883\n"
                     "listeners:\n"
                     "  tcp:\n"
                     "    adress: 127.0.0.1:11883\n"),
              ElementsAre("gw.yaml:5:5: listeners.tcp.adress: unknown key (did you mean "
                          "'address'?)"));
}

TEST(ConfigLoaderTest, UnknownKeyWithoutNearMatchListsValidKeys) {
  EXPECT_THAT(errors(minimalPlus("limits:\n  port: 5\n")),
              ElementsAre("gw.yaml:9:3: limits.port: unknown key (valid keys here: "
                          "max_packet_size, max_connections, buffer_high_water, buffer_low_water, "
                          "connect_packet_timeout)"));
}

TEST(ConfigLoaderTest, UnknownTopLevelKeyAndSection) {
  EXPECT_THAT(errors(minimalPlus("lgo:\n  level: info\nworkers: 4\n")),
              ElementsAre("gw.yaml:8:1: lgo: unknown key (did you mean 'log'?)",
                          "gw.yaml:10:1: workers: unknown key (valid keys here: upstream, "
                          "listeners, admin, limits, log, drain_timeout)"));
}

TEST(ConfigLoaderTest, MisspeltRequiredSectionIsNotAlsoReportedMissing) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: 127.0.0.1:1883\n"
                     "listener:\n"
                     "  tcp: {address: 127.0.0.1:11883}\n"),
              ElementsAre("gw.yaml:3:1: listener: unknown key (did you mean 'listeners'?)"));
}

TEST(ConfigLoaderTest, CollectsAllErrorsInFileOrder) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: localhost:1883\n"
                     "  connect_timeout: 5\n"
                     "listeners:\n"
                     "  tcp:\n"
                     "    address: 127.0.0.1:11883\n"
                     "    backlgo: 5\n"
                     "log:\n"
                     "  level: loud\n"),
              ElementsAre("gw.yaml:2:12: upstream.address: address 'localhost:1883': 'localhost' "
                          "is not a numeric IP address; the gateway does not resolve host names, "
                          "write an IP such as 127.0.0.1 or [::1]",
                          "gw.yaml:3:20: upstream.connect_timeout: duration '5' has no unit; "
                          "write e.g. 5s or 5ms (units: us, ms, s, m, h)",
                          "gw.yaml:7:5: listeners.tcp.backlgo: unknown key (did you mean "
                          "'backlog'?)",
                          "gw.yaml:9:10: log.level: unknown value 'loud' (expected one of: trace, "
                          "debug, info, warn, error, off)"));
}

TEST(ConfigLoaderTest, MissingRequiredKeys) {
  EXPECT_THAT(errors("upstream:\n"
                     "  connect_timeout: 1s\n"
                     "listeners:\n"
                     "  tcp:\n"
                     "    backlog: 5\n"
                     "admin: {}\n"),
              ElementsAre("gw.yaml:1:1: upstream.address: required key is missing",
                          "gw.yaml:4:3: listeners.tcp.address: required key is missing",
                          "gw.yaml:6:1: admin.address: required key is missing"));
}

TEST(ConfigLoaderTest, MissingRequiredSections) {
  EXPECT_THAT(errors("log: {level: info}\n"),
              ElementsAre("gw.yaml:1:1: upstream: required section is missing",
                          "gw.yaml:1:1: listeners: required section is missing"));
}

TEST(ConfigLoaderTest, EmptyFileIsMissingEverything) {
  EXPECT_THAT(errors(""), ElementsAre("gw.yaml:1:1: upstream: required section is missing",
                                      "gw.yaml:1:1: listeners: required section is missing"));
  EXPECT_THAT(errors("# only a comment\n"),
              ElementsAre("gw.yaml:1:1: upstream: required section is missing",
                          "gw.yaml:1:1: listeners: required section is missing"));
}

TEST(ConfigLoaderTest, ListenersNeedAtLeastOneListener) {
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"),
              ElementsAre("gw.yaml:2:1: listeners: at least one listener is required (e.g. "
                          "listeners.tcp)"));
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners: {}\n"),
              ElementsAre("gw.yaml:2:1: listeners: at least one listener is required (e.g. "
                          "listeners.tcp)"));
}

TEST(ConfigLoaderTest, EmptyTcpSectionNeedsAddress) {
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  tcp:\n"),
              ElementsAre("gw.yaml:3:3: listeners.tcp.address: required key is missing"));
}

TEST(ConfigLoaderTest, WrongTypes) {
  EXPECT_THAT(
      errors("upstream:\n"
             "  address:\n"
             "    ip: 127.0.0.1\n"
             "listeners: [tcp]\n"
             "limits:\n"
             "  max_connections: [1, 2]\n"
             "log: verbose\n"
             "drain_timeout: {s: 1}\n"),
      ElementsAre("gw.yaml:3:5: upstream.address: expected an address such as "
                  "127.0.0.1:1883 or '[::1]:1883' (quote IPv6 addresses in YAML), got a map",
                  "gw.yaml:4:12: listeners: expected a map of keys, got a list",
                  "gw.yaml:6:20: limits.max_connections: expected a whole number, got a "
                  "list",
                  "gw.yaml:7:6: log: expected a map of keys, got the value 'verbose'",
                  "gw.yaml:8:16: drain_timeout: expected a duration such as 30s or 500ms, "
                  "got a map"));
}

TEST(ConfigLoaderTest, TopLevelMustBeAMap) {
  EXPECT_THAT(errors("- upstream\n"),
              ElementsAre("gw.yaml:1:1: expected a map of keys at the top level, got a list"));
  EXPECT_THAT(errors("hello\n"), ElementsAre("gw.yaml:1:1: expected a map of keys at the top "
                                             "level, got the value 'hello'"));
}

TEST(ConfigLoaderTest, KeyWithoutValue) {
  EXPECT_THAT(errors(minimalPlus("drain_timeout:\nlog:\n  level: ~\n")),
              ElementsAre("gw.yaml:8:1: drain_timeout: missing value; expected a duration such "
                          "as 30s or 500ms",
                          "gw.yaml:10:3: log.level: missing value; expected one of: trace, debug, "
                          "info, warn, error, off"));
}

TEST(ConfigLoaderTest, DuplicateKeys) {
  EXPECT_THAT(errors(minimalPlus("log:\n  level: info\n  level: debug\nlog: {}\n")),
              ElementsAre("gw.yaml:10:3: log.level: duplicate key (first set at line 9)",
                          "gw.yaml:11:1: log: duplicate key (first set at line 8)"));
}

TEST(ConfigLoaderTest, NonScalarKey) {
  EXPECT_THAT(errors(minimalPlus("? [a, b]\n: 1\n")),
              ElementsAre("gw.yaml:8:3: keys must be plain names, not a list"));
}

TEST(ConfigLoaderTest, BadDurations) {
  EXPECT_THAT(errors(minimalPlus("drain_timeout: 1.5s\n"
                                 "limits:\n"
                                 "  connect_packet_timeout: 0s\n")),
              ElementsAre("gw.yaml:8:16: drain_timeout: invalid duration '1.5s': fractions are "
                          "not supported; use a smaller unit, e.g. 1500ms for 1.5s",
                          "gw.yaml:10:27: limits.connect_packet_timeout: 0s is out of range "
                          "1ms..24h"));
  EXPECT_THAT(errors(minimalPlus("drain_timeout: 25h\n")),
              ElementsAre("gw.yaml:8:16: drain_timeout: 25h is out of range 0s..24h"));
  EXPECT_THAT(errors(minimalPlus("drain_timeout: 1500us\n")),
              ElementsAre("gw.yaml:8:16: drain_timeout: must be a whole number of milliseconds "
                          "(got 1500us)"));
  EXPECT_EQ(load(minimalPlus("drain_timeout: 2000us\n")).drain_timeout, 2ms);
}

TEST(ConfigLoaderTest, BadSizes) {
  EXPECT_THAT(errors(minimalPlus("limits:\n"
                                 "  max_packet_size: 8\n"
                                 "  buffer_high_water: 64k\n"
                                 "  buffer_low_water: 5GiB\n")),
              ElementsAre("gw.yaml:9:20: limits.max_packet_size: 8 is out of range 16..268435460 "
                          "bytes",
                          "gw.yaml:10:22: limits.buffer_high_water: invalid size '64k': unknown "
                          "unit 'k' (units: B, KB, MB, GB (1000-based), KiB, MiB, GiB "
                          "(1024-based); no unit means bytes)",
                          "gw.yaml:11:21: limits.buffer_low_water: 5GiB is out of range "
                          "0..1073741824 bytes"));
  EXPECT_THAT(errors(minimalPlus("limits: {max_packet_size: 268435461}\n")),
              ElementsAre("gw.yaml:8:27: limits.max_packet_size: 268435461 is out of range "
                          "16..268435460 bytes"));
  EXPECT_EQ(load(minimalPlus("limits: {max_packet_size: 268435460}\n")).limits.max_packet_size,
            268435460u);
  EXPECT_EQ(load(minimalPlus("limits: {max_packet_size: 16}\n")).limits.max_packet_size, 16u);
}

TEST(ConfigLoaderTest, BadIntegers) {
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  tcp: {address: 127.0.0.1:0, backlog: 70000}\n"
                     "limits: {max_connections: 0}\n"),
              ElementsAre("gw.yaml:3:40: listeners.tcp.backlog: 70000 is out of range 1..65535",
                          "gw.yaml:4:27: limits.max_connections: 0 is out of range "
                          "1..4294967295"));
}

TEST(ConfigLoaderTest, BadAddresses) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: 127.0.0.1:0\n"
                     "listeners:\n"
                     "  tcp:\n"
                     "    address: 127.0.0.1:99999\n"
                     "admin:\n"
                     "  address: ::1:9100\n"),
              ElementsAre("gw.yaml:2:12: upstream.address: port 0 is only valid for listening "
                          "addresses; give the port to connect to",
                          "gw.yaml:5:14: listeners.tcp.address: address '127.0.0.1:99999': port "
                          "99999 is out of range 0..65535",
                          "gw.yaml:7:12: admin.address: address '::1:9100' has no port; write "
                          "IPv6 addresses in brackets with a port, e.g. [::1]:1883"));
}

TEST(ConfigLoaderTest, UnquotedIpv6AddressIsAList) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: [::1]\n"
                     "listeners: {tcp: {address: 127.0.0.1:0}}\n"),
              ElementsAre("gw.yaml:2:12: upstream.address: expected an address such as "
                          "127.0.0.1:1883 or '[::1]:1883' (quote IPv6 addresses in YAML), got a "
                          "list"));
}

TEST(ConfigLoaderTest, BadLogFormatSuggests) {
  EXPECT_THAT(errors(minimalPlus("log:\n  format: jsno\n")),
              ElementsAre("gw.yaml:9:11: log.format: unknown value 'jsno' (did you mean "
                          "'json'?)"));
}

TEST(ConfigLoaderTest, CrossFieldLowWaterMustBeBelowHighWater) {
  EXPECT_THAT(errors(minimalPlus("limits:\n"
                                 "  buffer_high_water: 64KiB\n"
                                 "  buffer_low_water: 64KiB\n")),
              ElementsAre("gw.yaml:10:21: limits.buffer_low_water: must be below "
                          "limits.buffer_high_water (64KiB >= 64KiB)"));
  // Only the high-water mark is set: the error points at it.
  EXPECT_THAT(errors(minimalPlus("limits:\n"
                                 "  buffer_high_water: 32KiB\n")),
              ElementsAre("gw.yaml:9:22: limits.buffer_high_water: must be above "
                          "limits.buffer_low_water (32KiB <= 64KiB)"));
}

TEST(ConfigLoaderTest, CrossFieldListenerMustNotBeUpstream) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: 127.0.0.1:1883\n"
                     "listeners:\n"
                     "  tcp:\n"
                     "    address: 0.0.0.0:1883\n"),
              ElementsAre("gw.yaml:5:14: listeners.tcp.address: listens on upstream.address "
                          "(127.0.0.1:1883); the gateway would connect to itself"));
}

TEST(ConfigLoaderTest, CrossFieldAdminMustNotShareListenerPort) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: 127.0.0.1:1883\n"
                     "listeners:\n"
                     "  tcp:\n"
                     "    address: 127.0.0.1:11883\n"
                     "admin:\n"
                     "  address: '[::]:11883'\n"),
              ElementsAre("gw.yaml:7:12: admin.address: uses the same port as "
                          "listeners.tcp.address (127.0.0.1:11883)"));
  // Port 0 picks distinct free ports: no conflict.
  const Config c = load(
      "upstream: {address: 127.0.0.1:1883}\n"
      "listeners: {tcp: {address: 127.0.0.1:0}}\n"
      "admin: {address: 127.0.0.1:0}\n");
  EXPECT_EQ(c.admin.address, "127.0.0.1:0");
}

TEST(ConfigLoaderTest, YamlSyntaxErrorHasPosition) {
  EXPECT_THAT(errors("upstream:\n"
                     "  address: 127.0.0.1:1883\n"
                     " listeners:\n"),
              ElementsAre("gw.yaml:3:2: invalid YAML: end of map not found"));
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883\n"),
              ElementsAre("gw.yaml:2:1: invalid YAML: end of map flow not found"));
  EXPECT_THAT(errors("log: *missing\n"),
              ElementsAre("gw.yaml:1:6: invalid YAML: the referenced anchor is not defined"));
}

TEST(ConfigLoaderTest, OnlyOneDocument) {
  EXPECT_THAT(errors(minimalPlus("---\nlog: {}\n")),
              ElementsAre("gw.yaml:9:1: only one YAML document is allowed; remove the second "
                          "'---'"));
}

TEST(ConfigLoaderTest, QuotedAndFlowValuesWork) {
  const Config c = load(
      "upstream: {address: \"127.0.0.1:1883\", connect_timeout: '1s'}\n"
      "listeners: {tcp: {address: 127.0.0.1:11883}}\n");
  EXPECT_EQ(c.upstream.connect_timeout, 1s);
}

class ConfigLoaderFileTest : public testing::Test {
 protected:
  void TearDown() override { (void)std::remove(path_.c_str()); }
  std::string path_ = testing::TempDir() + "config_loader_test.yaml";
};

TEST_F(ConfigLoaderFileTest, LoadsFileAndNamesItInErrors) {
  {
    std::ofstream out(path_);
    out << kMinimal;
  }
  const auto ok = ConfigLoader::loadFile(path_);
  ASSERT_TRUE(ok.ok()) << toString(ok.error());
  EXPECT_EQ(ok->source, path_);
  {
    std::ofstream out(path_);
    out << kMinimal << "drain_timeout: 30\n";
  }
  const auto bad = ConfigLoader::loadFile(path_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(toString(bad.error()),
            path_ +
                ":8:16: drain_timeout: duration '30' has no unit; write e.g. 30s or 30ms "
                "(units: us, ms, s, m, h)\n");
}

// deploy/examples/gw.yaml, shipped with the repository, must stay valid.
TEST_F(ConfigLoaderFileTest, ExampleConfigLoads) {
  const auto r = ConfigLoader::loadFile(MQTTD_SOURCE_ROOT "/deploy/examples/gw.yaml");
  ASSERT_TRUE(r.ok()) << toString(r.error());
  EXPECT_EQ(r->upstream.address, "127.0.0.1:1883");
  EXPECT_EQ(r->listeners.tcp->address, "127.0.0.1:11883");
  EXPECT_EQ(r->admin.address, "127.0.0.1:9100");
}

TEST_F(ConfigLoaderFileTest, MissingFile) {
  const auto r = ConfigLoader::loadFile("/nonexistent/gw.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), ElementsAre(ConfigError{"/nonexistent/gw.yaml", 1, 1, "",
                                                 "cannot read file: No such file or directory"}));
  EXPECT_EQ(r.error()[0].toString(),
            "/nonexistent/gw.yaml:1:1: cannot read file: No such file or directory");
}

TEST_F(ConfigLoaderFileTest, DirectoryIsNotAFile) {
  const auto r = ConfigLoader::loadFile(testing::TempDir());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error()[0].message, "cannot read file: Is a directory");
}

}  // namespace
}  // namespace mqttd
