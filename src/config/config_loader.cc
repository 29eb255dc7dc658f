#include "config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "config/byte_size.h"
#include "config/config_diagnostics.h"
#include "config/config_section.h"
#include "core/unique_fd.h"
#include "net/socket_address.h"

// Each YAML section has one parse function below: it names each key once, with its type and
// range; the defaults stay in include/mqttd/config.h. Adding a section is one such function and
// one `s.section(...)` line in its parent. Checks that involve more than one key are all in
// checkCrossFields().

namespace mqttd {
namespace {

using config::ConfigDiagnostics;
using config::ConfigSection;
using config::Need;
using config::PortUse;
using std::chrono::milliseconds;

constexpr milliseconds kMaxDuration = std::chrono::hours(24);  // guards against unit typos
constexpr uint64_t kGiB = 1024 * 1024 * 1024;
// MQTT 5.0 §1.5.5 / 3.1.1 §2.2.3: remaining length is at most 268,435,455; plus a fixed header
// of at most 5 bytes.
constexpr uint64_t kMaxMqttPacket = 268435455 + 5;
constexpr uint64_t kMinMqttPacket = 16;
constexpr size_t kMaxFileSize = 16 * 1024 * 1024;  // bigger is surely not a config file

void parseUpstream(ConfigSection& s, UpstreamConfig& out) {
  s.address("address", out.address, Need::kRequired, PortUse::kConnect);
  s.duration("connect_timeout", out.connect_timeout, milliseconds(1), kMaxDuration);
  s.duration("health_interval", out.health_interval, milliseconds(1), kMaxDuration);
}

void parseTcpListener(ConfigSection& s, TcpListenerConfig& out) {
  s.address("address", out.address, Need::kRequired, PortUse::kListen);
  s.integer("backlog", out.backlog, 1, 65535);
}

void parseListeners(ConfigSection& s, ListenersConfig& out) {
  bool any = false;
  any |= s.section("tcp", Need::kOptional,
                   [&](ConfigSection& t) { parseTcpListener(t, out.tcp.emplace()); });
  if (!any) s.error("at least one listener is required (e.g. listeners.tcp)");
}

void parseAdmin(ConfigSection& s, AdminConfig& out) {
  s.address("address", out.address, Need::kRequired, PortUse::kListen);
}

void parseLimits(ConfigSection& s, LimitsConfig& out) {
  s.byteSize("max_packet_size", out.max_packet_size, kMinMqttPacket, kMaxMqttPacket);
  s.integer("max_connections", out.max_connections, 1u, UINT32_MAX);
  s.byteSize("buffer_high_water", out.buffer_high_water, 1, kGiB);
  s.byteSize("buffer_low_water", out.buffer_low_water, 0, kGiB);
  s.duration("connect_packet_timeout", out.connect_packet_timeout, milliseconds(1), kMaxDuration);
}

void parseLog(ConfigSection& s, LogConfig& out) {
  // The names of core/log.h's LogLevel and LogFormat (its toString()).
  s.choice("level", out.level, {"trace", "debug", "info", "warn", "error", "off"});
  s.choice("format", out.format, {"text", "json"});
}

void parseRoot(ConfigSection& s, Config& out) {
  s.section("upstream", Need::kRequired, [&](ConfigSection& c) { parseUpstream(c, out.upstream); });
  s.section("listeners", Need::kRequired,
            [&](ConfigSection& c) { parseListeners(c, out.listeners); });
  s.section("admin", Need::kOptional, [&](ConfigSection& c) { parseAdmin(c, out.admin); });
  s.section("limits", Need::kOptional, [&](ConfigSection& c) { parseLimits(c, out.limits); });
  s.section("log", Need::kOptional, [&](ConfigSection& c) { parseLog(c, out.log); });
  s.duration("drain_timeout", out.drain_timeout, milliseconds(0), kMaxDuration);
}

// Two addresses that cannot both be bound (or a listener the gateway would connect to itself
// through). Both were validated already; unparsable ones are skipped.
bool overlap(const std::string& a, const std::string& b) {
  const auto pa = SocketAddress::parse(a);
  const auto pb = SocketAddress::parse(b);
  return pa && pb && pa->overlaps(*pb);
}

void checkCrossFields(const Config& c, ConfigDiagnostics& d) {
  const LimitsConfig& l = c.limits;
  if (l.buffer_low_water >= l.buffer_high_water) {
    const std::string low = config::formatByteSize(l.buffer_low_water);
    const std::string high = config::formatByteSize(l.buffer_high_water);
    if (d.recorded("limits.buffer_low_water"))
      d.addAt("limits.buffer_low_water",
              "must be below limits.buffer_high_water (" + low + " >= " + high + ")");
    else
      d.addAt("limits.buffer_high_water",
              "must be above limits.buffer_low_water (" + high + " <= " + low + ")");
  }
  if (c.listeners.tcp && !c.listeners.tcp->address.empty()) {
    const std::string& tcp = c.listeners.tcp->address;
    if (!c.upstream.address.empty() && overlap(tcp, c.upstream.address))
      d.addAt("listeners.tcp.address", "listens on upstream.address (" + c.upstream.address +
                                           "); the gateway would connect to itself");
    if (!c.admin.address.empty() && overlap(tcp, c.admin.address))
      d.addAt("admin.address", "uses the same port as listeners.tcp.address (" + tcp + ")");
  }
}

}  // namespace

Result<Config, ConfigErrors> ConfigLoader::loadFile(const std::string& path) {
  const auto cannotRead = [&](int error) {
    return fail(ConfigErrors{
        ConfigError{path, 1, 1, "", "cannot read file: " + std::string(std::strerror(error))}});
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return cannotRead(errno);
  std::string text;
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cannotRead(errno);  // EISDIR for a directory
    if (text.size() + static_cast<size_t>(n) > kMaxFileSize) return cannotRead(EFBIG);
    text.append(buf, static_cast<size_t>(n));
  }
  return loadString(text, path);
}

Result<Config, ConfigErrors> ConfigLoader::loadString(std::string_view yaml,
                                                      std::string source_name) {
  ConfigDiagnostics diag(source_name);
  Config config;
  config.source = std::move(source_name);
  // yaml-cpp reports syntax errors (and misuse) by exception: caught here, nowhere else.
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.size() > 1) {
      const YAML::Mark m = documents[1].Mark();
      diag.add({std::max(m.line, 0) + 1, std::max(m.column, 0) + 1}, "",
               "only one YAML document is allowed; remove the second '---'");
    }
    ConfigSection::readRoot(documents.empty() ? YAML::Node() : documents.front(), diag,
                            [&](ConfigSection& s) { parseRoot(s, config); });
  } catch (const YAML::Exception& e) {
    diag.add({std::max(e.mark.line, 0) + 1, std::max(e.mark.column, 0) + 1}, "",
             "invalid YAML: " + e.msg);
  }
  // Also after other errors: a cross-field rule broken by the keys that did parse is still broken.
  checkCrossFields(config, diag);
  if (!diag.empty()) return fail(diag.take());
  return config;
}

}  // namespace mqttd
