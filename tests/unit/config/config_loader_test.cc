#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_enums.h"
#include "core/log.h"
#include "minimal_config.h"
#include "../scratch_dir.h"

namespace mqttd {
namespace {

using namespace std::chrono_literals;
using testing::ElementsAre;

constexpr std::string_view kMinimal = test::kMinimalConfig;

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

TEST(ConfigLoaderTest, WorkersIsAutoOrACount) {
  EXPECT_EQ(load(kMinimal).workers, 1u);
  EXPECT_EQ(load(minimalPlus("workers: auto\n")).workers, 0u);
  EXPECT_EQ(load(minimalPlus("workers: 4\n")).workers, 4u);
  const auto e = errors(minimalPlus("workers: many\n"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("gw.yaml:8:10: workers:"), std::string::npos) << e[0];
  EXPECT_NE(e[0].find("(or auto)"), std::string::npos) << e[0];
  EXPECT_EQ(errors(minimalPlus("workers: 0\n")).size(), 1u);
  EXPECT_EQ(load(minimalPlus("workers: 255\n")).workers, 255u);
  EXPECT_EQ(errors(minimalPlus("workers: 256\n")).size(), 1u);  // the worker id is one byte
}

TEST(ConfigLoaderTest, BooleansAcceptTrueAndFalseOnly) {
  const auto e = errors(
      "upstream:\n"
      "  address: 127.0.0.1:1883\n"
      "listeners:\n"
      "  quic:\n"
      "    cert: /etc/hostname\n"
      "    key: /etc/hostname\n"
      "    zero_rtt: maybe\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("listeners.quic.zero_rtt: 'maybe' is not true or false"), std::string::npos)
      << e[0];
}

TEST(ConfigLoaderTest, SimpleFramerIsOffUnlessEnabled) {
  const std::string quic =
      "upstream:\n"
      "  address: 127.0.0.1:1883\n"
      "listeners:\n"
      "  quic:\n"
      "    cert: /etc/hostname\n"
      "    key: /etc/hostname\n";
  EXPECT_FALSE(load(quic).listeners.quic->simple_framer.enabled);
  const Config on = load(quic + "    simple_framer:\n      enabled: true\n      stream_window: 64KiB\n");
  EXPECT_TRUE(on.listeners.quic->simple_framer.enabled);
  EXPECT_EQ(on.listeners.quic->simple_framer.stream_window, 64u * 1024);
  const auto small = errors(quic + "    simple_framer: {enabled: true, stream_window: 100}\n");
  ASSERT_EQ(small.size(), 1u);
  EXPECT_NE(small[0].find("listeners.quic.simple_framer.stream_window"), std::string::npos)
      << small[0];
  const auto typo = errors(quic + "    simple_framer: {enable: true}\n");
  ASSERT_EQ(typo.size(), 1u);
  EXPECT_NE(typo[0].find("did you mean 'enabled'?"), std::string::npos) << typo[0];
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
  EXPECT_THAT(errors(minimalPlus("lgo:\n  level: info\nthreads: 4\n")),
              ElementsAre("gw.yaml:8:1: lgo: unknown key (did you mean 'log'?)",
                          "gw.yaml:10:1: threads: unknown key (valid keys here: upstream, "
                          "listeners, admin, limits, log, drain_timeout, workers, handlers, "
                          "routes)"));
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
              ElementsAre("gw.yaml:2:1: listeners: at least one listener is required "
                          "(listeners.tcp or listeners.quic)"));
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners: {}\n"),
              ElementsAre("gw.yaml:2:1: listeners: at least one listener is required "
                          "(listeners.tcp or listeners.quic)"));
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

// ---- listeners.quic ----------------------------------------------------------------------------

// Stands in for the PEM files: the loader checks that they can be read, not what is in them.
constexpr std::string_view kPem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";

using test::ScratchDir;

class QuicListenerConfigTest : public testing::Test {
 protected:
  // upstream plus listeners.quic with readable cert and key (lines 1..6); `extra` follows from
  // line 7, in listeners.quic when indented by 4 spaces.
  std::string quicPlus(std::string_view extra) const {
    return "upstream:\n"
           "  address: 127.0.0.1:1883\n"
           "listeners:\n"
           "  quic:\n"
           "    cert: " + cert_ + "\n"
           "    key: " + key_ + "\n" + std::string(extra);
  }

  ScratchDir dir_;
  std::string cert_ = dir_.write("dev.crt", kPem);
  std::string key_ = dir_.write("dev.key", kPem);
};

TEST_F(QuicListenerConfigTest, QuicOnlyConfigLoadsWithDefaults) {
  const Config c = load(quicPlus(""));
  EXPECT_FALSE(c.listeners.tcp.has_value());
  ASSERT_TRUE(c.listeners.quic.has_value());
  const QuicListenerConfig& q = *c.listeners.quic;
  EXPECT_EQ(q.address, "0.0.0.0:14567");
  EXPECT_EQ(q.cert, cert_);
  EXPECT_EQ(q.key, key_);
  EXPECT_THAT(q.alpn, ElementsAre("mqtt"));
  EXPECT_EQ(q.idle_timeout, 90s);
  EXPECT_EQ(q.handshake_timeout, 10s);
  EXPECT_EQ(q.keep_alive, 0ms);
  EXPECT_EQ(q.cert_reload_interval, 60s);
  EXPECT_EQ(q.max_streams_bidi, 10u);
  EXPECT_EQ(q.initial_stream_window, 256u * 1024);
  EXPECT_EQ(q.max_stream_window, 6u * 1024 * 1024);
  EXPECT_EQ(q.initial_connection_window, 1024u * 1024);
  EXPECT_EQ(q.max_connection_window, 16u * 1024 * 1024);
  EXPECT_EQ(q.max_udp_payload_size, 1452u);
  EXPECT_EQ(q.congestion, CongestionControl::kCubic);
  EXPECT_EQ(q.retry, RetryMode::kAuto);
  EXPECT_EQ(q.retry_threshold, 100u);
  QuicListenerConfig expected;
  expected.cert = cert_;
  expected.key = key_;
  EXPECT_EQ(q, expected);
}

TEST_F(QuicListenerConfigTest, EveryKeyParses) {
  const Config c = load(quicPlus("    address: '[::]:0'\n"
                                 "    alpn: [mqtt, mqtt-v5]\n"
                                 "    idle_timeout: 30s\n"
                                 "    handshake_timeout: 5s\n"
                                 "    keep_alive: 10s\n"
                                 "    cert_reload_interval: 5m\n"
                                 "    max_streams_bidi: 1000\n"
                                 "    initial_stream_window: 1KiB\n"
                                 "    max_stream_window: 64KiB\n"
                                 "    initial_connection_window: 8KiB\n"
                                 "    max_connection_window: 1GiB\n"
                                 "    max_udp_payload_size: 1200\n"
                                 "    congestion: bbr\n"
                                 "    retry: auto\n"
                                 "    retry_threshold: 1\n"));
  ASSERT_TRUE(c.listeners.quic.has_value());
  const QuicListenerConfig& q = *c.listeners.quic;
  EXPECT_EQ(q.address, "[::]:0");
  EXPECT_THAT(q.alpn, ElementsAre("mqtt", "mqtt-v5"));
  EXPECT_EQ(q.idle_timeout, 30s);
  EXPECT_EQ(q.handshake_timeout, 5s);
  EXPECT_EQ(q.keep_alive, 10s);
  EXPECT_EQ(q.cert_reload_interval, 5min);
  EXPECT_EQ(q.max_streams_bidi, 1000u);
  EXPECT_EQ(q.initial_stream_window, 1024u);
  EXPECT_EQ(q.max_stream_window, 65536u);
  EXPECT_EQ(q.initial_connection_window, 8192u);
  EXPECT_EQ(q.max_connection_window, 1073741824u);
  EXPECT_EQ(q.max_udp_payload_size, 1200u);
  EXPECT_EQ(q.congestion, CongestionControl::kBbr);
  EXPECT_EQ(q.retry, RetryMode::kAuto);
  EXPECT_EQ(q.retry_threshold, 1u);
}

TEST_F(QuicListenerConfigTest, BlockListAndEdgeValues) {
  const QuicListenerConfig q = *load(quicPlus("    alpn:\n"
                                              "      - mqtt\n"
                                              "      - '" + std::string(255, 'x') + "'\n"
                                              "    max_udp_payload_size: 1452\n"
                                              "    idle_timeout: 24h\n"
                                              "    keep_alive: 23h59m59s\n"
                                              "    max_streams_bidi: 1\n"))
                                   .listeners.quic;
  EXPECT_THAT(q.alpn, ElementsAre("mqtt", std::string(255, 'x')));
  EXPECT_EQ(q.max_udp_payload_size, 1452u);
  EXPECT_EQ(q.idle_timeout, 24h);
  EXPECT_EQ(q.keep_alive, 24h - 1s);
  EXPECT_EQ(q.max_streams_bidi, 1u);
}

TEST_F(QuicListenerConfigTest, EnumValuesAreTheirTextForms) {
  for (const CongestionControl cc : kCongestionControls)
    EXPECT_EQ(load(quicPlus("    congestion: " + std::string(toString(cc)) + "\n"))
                  .listeners.quic->congestion,
              cc);
  for (const RetryMode retry : kRetryModes)
    EXPECT_EQ(load(quicPlus("    retry: " + std::string(toString(retry)) + "\n"))
                  .listeners.quic->retry,
              retry);
}

TEST_F(QuicListenerConfigTest, UnknownEnumValuesSuggestOrList) {
  EXPECT_THAT(errors(quicPlus("    congestion: cubix\n"
                              "    retry: sometimes\n")),
              ElementsAre("gw.yaml:7:17: listeners.quic.congestion: unknown value 'cubix' (did "
                          "you mean 'cubic'?)",
                          "gw.yaml:8:12: listeners.quic.retry: unknown value 'sometimes' "
                          "(expected one of: never, always, auto)"));
  EXPECT_THAT(errors(quicPlus("    congestion: bbr2\n"
                              "    retry: allways\n")),
              ElementsAre("gw.yaml:7:17: listeners.quic.congestion: unknown value 'bbr2' (did "
                          "you mean 'bbr'?)",
                          "gw.yaml:8:12: listeners.quic.retry: unknown value 'allways' (did you "
                          "mean 'always'?)"));
  // Case-sensitive, like every enum.
  EXPECT_THAT(errors(quicPlus("    congestion: BBR\n")),
              ElementsAre("gw.yaml:7:17: listeners.quic.congestion: unknown value 'BBR' "
                          "(expected one of: cubic, bbr, reno)"));
  EXPECT_THAT(errors(quicPlus("    retry:\n")),
              ElementsAre("gw.yaml:7:5: listeners.quic.retry: missing value; expected one of: "
                          "never, always, auto"));
}

TEST_F(QuicListenerConfigTest, AlpnMustBeAListOfStrings) {
  EXPECT_THAT(errors(quicPlus("    alpn: mqtt\n")),
              ElementsAre("gw.yaml:7:11: listeners.quic.alpn: expected a list of strings such "
                          "as [mqtt], got the value 'mqtt'"));
  EXPECT_THAT(errors(quicPlus("    alpn: {mqtt: 1}\n")),
              ElementsAre("gw.yaml:7:11: listeners.quic.alpn: expected a list of strings such "
                          "as [mqtt], got a map"));
  EXPECT_THAT(errors(quicPlus("    alpn: []\n")),
              ElementsAre("gw.yaml:7:11: listeners.quic.alpn: must not be empty; expected a list "
                          "of strings such as [mqtt]"));
  EXPECT_THAT(errors(quicPlus("    alpn:\n")),
              ElementsAre("gw.yaml:7:5: listeners.quic.alpn: missing value; expected a list of "
                          "strings such as [mqtt]"));
}

TEST_F(QuicListenerConfigTest, AlpnEntryErrorsNameTheEntry) {
  EXPECT_THAT(
      errors(quicPlus("    alpn: [mqtt, '', {a: 1}, " + std::string(256, 'x') + ", mqtt, [h3]]\n")),
      ElementsAre("gw.yaml:7:18: listeners.quic.alpn[1]: must not be empty",
                  "gw.yaml:7:22: listeners.quic.alpn[2]: expected a string, got a map",
                  "gw.yaml:7:30: listeners.quic.alpn[3]: is 256 bytes long; at most 255 are "
                  "allowed",
                  "gw.yaml:7:288: listeners.quic.alpn[4]: 'mqtt' is already listed "
                  "(listeners.quic.alpn[0])",
                  "gw.yaml:7:294: listeners.quic.alpn[5]: expected a string, got a list"));
  EXPECT_THAT(errors(quicPlus("    alpn:\n"
                              "      - mqtt\n"
                              "      -\n"
                              "      - ~\n")),
              // Empty entries are reported at the list.
              ElementsAre("gw.yaml:8:7: listeners.quic.alpn[1]: expected a string, got nothing",
                          "gw.yaml:8:7: listeners.quic.alpn[2]: expected a string, got nothing"));
}

TEST_F(QuicListenerConfigTest, CertAndKeyAreRequired) {
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  quic:\n"),
              ElementsAre("gw.yaml:3:3: listeners.quic.cert: required key is missing",
                          "gw.yaml:3:3: listeners.quic.key: required key is missing"));
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  quic:\n"
                     "    cert: ''\n"
                     "    key:\n"),
              ElementsAre("gw.yaml:4:11: listeners.quic.cert: must not be empty; expected a file "
                          "path",
                          "gw.yaml:5:5: listeners.quic.key: missing value; expected a file path"));
}

TEST_F(QuicListenerConfigTest, CertAndKeyMustBeReadableFiles) {
  const std::string missing = dir_.path() + "/missing.crt";
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  quic:\n"
                     "    cert: " + missing + "\n"
                     "    key: " + dir_.path() + "\n"),
              ElementsAre("gw.yaml:4:11: listeners.quic.cert: cannot read certificate file '" +
                              missing + "': No such file or directory",
                          "gw.yaml:5:10: listeners.quic.key: cannot read private key file '" +
                              dir_.path() + "': Is a directory"));
  const std::string fifo = dir_.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  quic:\n"
                     "    cert: " + cert_ + "\n"
                     "    key: " + fifo + "\n"),
              ElementsAre("gw.yaml:5:10: listeners.quic.key: cannot read private key file '" +
                          fifo + "': not a regular file"));
  if (::geteuid() != 0) {  // root reads files whatever their mode
    ASSERT_EQ(::chmod(key_.c_str(), 0), 0);
    EXPECT_THAT(errors(quicPlus("")),
                ElementsAre("gw.yaml:6:10: listeners.quic.key: cannot read private key file '" +
                            key_ + "': Permission denied"));
  }
}

TEST_F(QuicListenerConfigTest, RelativePathsAreRelativeToTheConfigFile) {
  (void)dir_.write("etc/tls/dev.crt", kPem);
  const std::string path = dir_.write("etc/gw.yaml",
                                      "upstream: {address: 127.0.0.1:1883}\n"
                                      "listeners:\n"
                                      "  quic:\n"
                                      "    cert: tls/dev.crt\n"
                                      "    key: ../dev.key\n");
  const auto r = ConfigLoader::loadFile(path);
  ASSERT_TRUE(r.ok()) << toString(r.error());
  EXPECT_EQ(r->listeners.quic->cert, dir_.path() + "/etc/tls/dev.crt");
  EXPECT_EQ(r->listeners.quic->key, dir_.path() + "/etc/../dev.key");

  // The error names the resolved path.
  const std::string bad = dir_.write("etc/bad.yaml",
                                     "upstream: {address: 127.0.0.1:1883}\n"
                                     "listeners:\n"
                                     "  quic:\n"
                                     "    cert: dev.crt\n"
                                     "    key: ../dev.key\n");
  const auto e = ConfigLoader::loadFile(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(toString(e.error()),
            bad + ":4:11: listeners.quic.cert: cannot read certificate file '" + dir_.path() +
                "/etc/dev.crt': No such file or directory\n");
}

TEST_F(QuicListenerConfigTest, LoadStringResolvesAgainstTheSourceNamesDirectory) {
  const std::string yaml =
      "upstream: {address: 127.0.0.1:1883}\n"
      "listeners: {quic: {cert: dev.crt, key: dev.key}}\n";
  const auto r = ConfigLoader::loadString(yaml, dir_.path() + "/gw.yaml");
  ASSERT_TRUE(r.ok()) << toString(r.error());
  EXPECT_EQ(r->listeners.quic->cert, cert_);
  // No directory in the source name: the working directory.
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners: {quic: {cert: no-such-cert-5c1f.pem, key: " + key_ + "}}\n"),
              ElementsAre("gw.yaml:2:26: listeners.quic.cert: cannot read certificate file '" +
                          cwd + "/no-such-cert-5c1f.pem': No such file or directory"));
}

TEST_F(QuicListenerConfigTest, OutOfRangeValues) {
  EXPECT_THAT(errors(quicPlus("    address: 127.0.0.1:99999\n"
                              "    idle_timeout: 0s\n"
                              "    handshake_timeout: 25h\n"
                              "    keep_alive: 1.5s\n"
                              "    max_streams_bidi: 1001\n"
                              "    initial_stream_window: 1000\n"
                              "    max_udp_payload_size: 1199\n"
                              "    retry_threshold: 0\n"
                              "    max_stream_window: 4GiB\n")),
              ElementsAre("gw.yaml:7:14: listeners.quic.address: address '127.0.0.1:99999': port "
                          "99999 is out of range 0..65535",
                          "gw.yaml:8:19: listeners.quic.idle_timeout: 0s is out of range 1ms..24h",
                          "gw.yaml:9:24: listeners.quic.handshake_timeout: 25h is out of range "
                          "1ms..24h",
                          "gw.yaml:10:17: listeners.quic.keep_alive: invalid duration '1.5s': "
                          "fractions are not supported; use a smaller unit, e.g. 1500ms for 1.5s",
                          "gw.yaml:11:23: listeners.quic.max_streams_bidi: 1001 is out of range "
                          "1..1000",
                          "gw.yaml:12:28: listeners.quic.initial_stream_window: 1000 is out of "
                          "range 1024..4294967295 bytes",
                          "gw.yaml:13:27: listeners.quic.max_udp_payload_size: 1199 is out of "
                          "range 1200..1452 bytes",
                          "gw.yaml:14:22: listeners.quic.retry_threshold: 0 is out of range "
                          "1..4294967295",
                          "gw.yaml:15:24: listeners.quic.max_stream_window: 4GiB is out of range "
                          "1024..4294967295 bytes"));
  EXPECT_THAT(errors(quicPlus("    max_udp_payload_size: 1500\n"
                              "    keep_alive: 25h\n")),
              ElementsAre("gw.yaml:7:27: listeners.quic.max_udp_payload_size: 1500 is out of "
                          "range 1200..1452 bytes",
                          "gw.yaml:8:17: listeners.quic.keep_alive: 25h is out of range 0s..24h"));
}

// 0s: only on SIGHUP; otherwise 1s..24h (re-reading the files more often than every second
// buys nothing, and a unit slip such as 60ms would re-read them 16 times a second).
TEST_F(QuicListenerConfigTest, CertReloadIntervalIsOffOrOneSecondToADay) {
  auto interval = [&](const std::string& value) {
    return load(quicPlus("    cert_reload_interval: " + value + "\n"))
        .listeners.quic->cert_reload_interval;
  };
  EXPECT_EQ(interval("0s"), 0ms);
  EXPECT_EQ(interval("0ms"), 0ms);
  EXPECT_EQ(interval("1s"), 1s);
  EXPECT_EQ(interval("1000ms"), 1s);
  EXPECT_EQ(interval("1m30s"), 90s);
  EXPECT_EQ(interval("24h"), 24h);
  EXPECT_THAT(errors(quicPlus("    cert_reload_interval: 999ms\n")),
              ElementsAre("gw.yaml:7:27: listeners.quic.cert_reload_interval: 999ms is out of "
                          "range 1s..24h (or 0s: only on SIGHUP)"));
  EXPECT_THAT(errors(quicPlus("    cert_reload_interval: 25h\n")),
              ElementsAre("gw.yaml:7:27: listeners.quic.cert_reload_interval: 25h is out of "
                          "range 1s..24h (or 0s: only on SIGHUP)"));
  EXPECT_THAT(errors(quicPlus("    cert_reload_interval: 60\n")),
              ElementsAre("gw.yaml:7:27: listeners.quic.cert_reload_interval: duration '60' has "
                          "no unit; write e.g. 60s or 60ms (units: us, ms, s, m, h)"));
  EXPECT_THAT(errors(quicPlus("    cert_reload_interval: 1500us\n")),
              ElementsAre("gw.yaml:7:27: listeners.quic.cert_reload_interval: must be a whole "
                          "number of milliseconds (got 1500us)"));
  EXPECT_THAT(errors(quicPlus("    cert_reload_interval: [1s]\n")),
              ElementsAre(testing::StartsWith(
                  "gw.yaml:7:27: listeners.quic.cert_reload_interval: expected a duration")));
  EXPECT_THAT(errors(quicPlus("    cert_reload_intervall: 1s\n")),
              ElementsAre("gw.yaml:7:5: listeners.quic.cert_reload_intervall: unknown key (did "
                          "you mean 'cert_reload_interval'?)"));
}

TEST_F(QuicListenerConfigTest, UnknownKeyAndWrongType) {
  EXPECT_THAT(errors(quicPlus("    idle_timout: 5s\n")),
              ElementsAre("gw.yaml:7:5: listeners.quic.idle_timout: unknown key (did you mean "
                          "'idle_timeout'?)"));
  // A quic key of the wrong type still counts as a listener: no "at least one listener" error.
  EXPECT_THAT(errors("upstream: {address: 127.0.0.1:1883}\n"
                     "listeners:\n"
                     "  quic: [udp]\n"),
              ElementsAre("gw.yaml:3:9: listeners.quic: expected a map of keys, got a list"));
}

TEST_F(QuicListenerConfigTest, KeepAliveMustBeBelowIdleTimeout) {
  EXPECT_THAT(errors(quicPlus("    keep_alive: 90s\n")),
              ElementsAre("gw.yaml:7:17: listeners.quic.keep_alive: must be below "
                          "listeners.quic.idle_timeout (90s >= 90s), or 0s for no keep-alive"));
  EXPECT_THAT(errors(quicPlus("    idle_timeout: 5s\n"
                              "    keep_alive: 1m\n")),
              ElementsAre("gw.yaml:8:17: listeners.quic.keep_alive: must be below "
                          "listeners.quic.idle_timeout (1m >= 5s), or 0s for no keep-alive"));
  EXPECT_EQ(load(quicPlus("    keep_alive: 89999ms\n")).listeners.quic->keep_alive, 89999ms);
  EXPECT_EQ(
      load(quicPlus("    idle_timeout: 1ms\n    keep_alive: 0s\n")).listeners.quic->keep_alive,
      0ms);
}

TEST_F(QuicListenerConfigTest, FlowControlWindowsMustNest) {
  // The error points at the key the file sets.
  EXPECT_THAT(errors(quicPlus("    initial_stream_window: 8MiB\n")),
              ElementsAre("gw.yaml:7:28: listeners.quic.initial_stream_window: must not exceed "
                          "listeners.quic.max_stream_window (8MiB > 6MiB)",
                          "gw.yaml:7:28: listeners.quic.initial_stream_window: must not exceed "
                          "listeners.quic.initial_connection_window (8MiB > 1MiB)"));
  EXPECT_THAT(errors(quicPlus("    max_stream_window: 128KiB\n")),
              ElementsAre("gw.yaml:7:24: listeners.quic.max_stream_window: must be at least "
                          "listeners.quic.initial_stream_window (128KiB < 256KiB)"));
  EXPECT_THAT(errors(quicPlus("    initial_connection_window: 128KiB\n")),
              ElementsAre("gw.yaml:7:32: listeners.quic.initial_connection_window: must be at "
                          "least listeners.quic.initial_stream_window (128KiB < 256KiB)"));
  EXPECT_THAT(errors(quicPlus("    initial_connection_window: 32MiB\n")),
              ElementsAre("gw.yaml:7:32: listeners.quic.initial_connection_window: must not "
                          "exceed listeners.quic.max_connection_window (32MiB > 16MiB)"));
  EXPECT_THAT(errors(quicPlus("    max_connection_window: 2MiB\n")),
              ElementsAre("gw.yaml:7:28: listeners.quic.max_connection_window: must be at least "
                          "listeners.quic.max_stream_window (2MiB < 6MiB)"));
  // Equal is fine.
  const QuicListenerConfig q = *load(quicPlus("    initial_stream_window: 1MiB\n"
                                              "    max_stream_window: 1MiB\n"
                                              "    initial_connection_window: 1MiB\n"
                                              "    max_connection_window: 1MiB\n"))
                                   .listeners.quic;
  EXPECT_EQ(q.max_connection_window, 1048576u);
}

TEST_F(QuicListenerConfigTest, RetryThresholdOnlyWithAutoRetry) {
  EXPECT_THAT(errors(quicPlus("    retry: never\n"
                              "    retry_threshold: 50\n")),
              ElementsAre("gw.yaml:8:22: listeners.quic.retry_threshold: only applies with "
                          "retry: auto (retry is never); remove it"));
  EXPECT_EQ(load(quicPlus("    retry: always\n")).listeners.quic->retry, RetryMode::kAlways);
  EXPECT_EQ(load(quicPlus("    retry_threshold: 50\n")).listeners.quic->retry_threshold, 50u);
}

TEST_F(QuicListenerConfigTest, UdpPortMayEqualTcpPorts) {
  // UDP and TCP ports are separate: no clash with the TCP listener, admin or upstream.
  const Config c = load("upstream: {address: 127.0.0.1:14567}\n"
                        "listeners:\n"
                        "  tcp: {address: 127.0.0.1:11883}\n"
                        "  quic:\n"
                        "    address: 0.0.0.0:14567\n"
                        "    cert: " + cert_ + "\n"
                        "    key: " + key_ + "\n"
                        "admin: {address: '[::]:14567'}\n");
  EXPECT_EQ(c.listeners.quic->address, "0.0.0.0:14567");
  const Config both = load(quicPlus("    address: 127.0.0.1:11883\n"
                                    "  tcp: {address: 127.0.0.1:11883}\n"));
  EXPECT_EQ(both.listeners.tcp->address, both.listeners.quic->address);
}

// deploy/examples/gw.yaml, shipped with the repository, must stay valid. It is loaded from a
// copy next to placeholder tls/dev.crt and tls/dev.key (the demo generates the real ones), so
// that it stays loadable once its listeners.quic block is uncommented.
class ExampleConfigTest : public testing::Test {
 protected:
  // The example, with its commented-out listeners.quic block uncommented (and, with
  // `defaults`, the commented-out keys in it too).
  static std::string exampleText(bool uncomment_quic, bool defaults) {
    std::ifstream in(MQTTD_SOURCE_ROOT "/deploy/examples/gw.yaml");
    std::string out, line;
    bool in_quic = false;
    while (std::getline(in, line)) {
      if (uncomment_quic && line == "  # quic:") {
        in_quic = true;
        line = "  quic:";
      } else if (in_quic && defaults && line.starts_with("  #   # ")) {
        line = "    " + line.substr(8);
      } else if (in_quic && line.starts_with("  #   ")) {
        line = "  " + line.substr(4);
      } else {
        in_quic = false;
      }
      out += line + "\n";
    }
    return out;
  }
  Result<Config, ConfigErrors> loadCopy(const std::string& text) {
    (void)dir_.write("tls/dev.crt", kPem);
    (void)dir_.write("tls/dev.key", kPem);
    return ConfigLoader::loadFile(dir_.write("gw.yaml", text));
  }

  ScratchDir dir_;
};

TEST_F(ExampleConfigTest, Loads) {
  const auto r = loadCopy(exampleText(false, false));
  ASSERT_TRUE(r.ok()) << toString(r.error());
  EXPECT_EQ(r->upstream.address, "127.0.0.1:1883");
  EXPECT_EQ(r->listeners.tcp->address, "127.0.0.1:11883");
  EXPECT_EQ(r->admin.address, "127.0.0.1:9100");
}

TEST_F(ExampleConfigTest, QuicBlockLoadsWhenUncommented) {
  QuicListenerConfig expected;
  expected.address = "127.0.0.1:14567";
  expected.cert = dir_.path() + "/tls/dev.crt";
  expected.key = dir_.path() + "/tls/dev.key";
  const auto r = loadCopy(exampleText(true, false));
  ASSERT_TRUE(r.ok()) << toString(r.error());
  ASSERT_TRUE(r->listeners.quic.has_value());
  EXPECT_EQ(*r->listeners.quic, expected);
  // The commented-out keys in the block show the defaults.
  const auto all = loadCopy(exampleText(true, true));
  ASSERT_TRUE(all.ok()) << toString(all.error());
  EXPECT_EQ(*all->listeners.quic, expected);
}

}  // namespace
}  // namespace mqttd
