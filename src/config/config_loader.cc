#include "config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "config/byte_size.h"
#include "config/config_diagnostics.h"
#include "config/config_enums.h"
#include "config/config_section.h"
#include "config/duration.h"
#include "config/suggestion.h"
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
constexpr uint64_t kKiB = 1024;
// RFC 7301 §3.1: a protocol name is 1..255 bytes (a one-byte length prefix).
constexpr size_t kMaxAlpnBytes = 255;
// RFC 9000 §14: every QUIC path carries 1200-byte UDP payloads. 1452: a 1500-byte Ethernet MTU
// less 40 bytes of IPv6 and 8 of UDP header, the most that fits without fragmentation.
constexpr uint64_t kMinUdpPayload = 1200;
constexpr uint64_t kMaxUdpPayload = 1452;
constexpr uint32_t kMaxStreamsBidi = 1000;  // one MQTT connection needs one stream (or a few)
// Handler names are metrics labels and route references: short, and safe in both.
constexpr size_t kMaxHandlerName = 64;
constexpr uint32_t kMaxRetries = 10;
constexpr uint32_t kMaxQueueLength = 1000000;
// MQTT 5.0 §3.8.3.1: a subscription's Maximum QoS is 0, 1 or 2.
constexpr uint32_t kMaxQos = 2;

void parseUpstream(ConfigSection& s, UpstreamConfig& out) {
  s.address("address", out.address, Need::kRequired, PortUse::kConnect);
  s.duration("connect_timeout", out.connect_timeout, milliseconds(1), kMaxDuration);
  s.duration("health_interval", out.health_interval, milliseconds(1), kMaxDuration);
}

// The worker id is one byte of every server connection ID (docs/quic.md).
constexpr uint32_t kMaxWorkers = 255;

void parseTcpListener(ConfigSection& s, TcpListenerConfig& out) {
  s.address("address", out.address, Need::kRequired, PortUse::kListen);
  s.integer("backlog", out.backlog, 1, 65535);
}

// `base_dir`: the config file's directory, for relative cert/key paths.
void parseSimpleFramer(ConfigSection& s, SimpleFramerConfig& out) {
  s.boolean("enabled", out.enabled);
  s.byteSize("stream_window", out.stream_window, kKiB, UINT32_MAX);
}

void parseQuicListener(ConfigSection& s, QuicListenerConfig& out, const std::string& base_dir) {
  s.address("address", out.address, Need::kOptional, PortUse::kListen);
  s.readableFile("cert", out.cert, Need::kRequired, base_dir, "certificate file");
  s.readableFile("key", out.key, Need::kRequired, base_dir, "private key file");
  s.durationOrOff("cert_reload_interval", out.cert_reload_interval, std::chrono::seconds(1),
                  kMaxDuration, "only on SIGHUP");
  s.stringList("alpn", out.alpn, kMaxAlpnBytes, "[mqtt]");
  s.duration("idle_timeout", out.idle_timeout, milliseconds(1), kMaxDuration);
  s.duration("handshake_timeout", out.handshake_timeout, milliseconds(1), kMaxDuration);
  s.duration("keep_alive", out.keep_alive, milliseconds(0), kMaxDuration);
  s.integer("max_streams_bidi", out.max_streams_bidi, 1u, kMaxStreamsBidi);
  s.byteSize("initial_stream_window", out.initial_stream_window, kKiB, UINT32_MAX);
  s.byteSize("max_stream_window", out.max_stream_window, kKiB, UINT32_MAX);
  s.byteSize("initial_connection_window", out.initial_connection_window, kKiB, UINT32_MAX);
  s.byteSize("max_connection_window", out.max_connection_window, kKiB, UINT32_MAX);
  s.byteSize("max_udp_payload_size", out.max_udp_payload_size, kMinUdpPayload, kMaxUdpPayload);
  s.enumeration("congestion", out.congestion, kCongestionControls);
  s.enumeration("retry", out.retry, kRetryModes);
  s.integer("retry_threshold", out.retry_threshold, 1u, UINT32_MAX);
  s.boolean("zero_rtt", out.zero_rtt);
  s.readableFile("ticket_key_file", out.ticket_key_file, Need::kOptional, base_dir,
                 "session ticket key file");
  s.section("simple_framer", Need::kOptional,
            [&](ConfigSection& f) { parseSimpleFramer(f, out.simple_framer); });
}

void parseListeners(ConfigSection& s, ListenersConfig& out, const std::string& base_dir) {
  bool any = false;
  any |= s.section("tcp", Need::kOptional,
                   [&](ConfigSection& t) { parseTcpListener(t, out.tcp.emplace()); });
  any |= s.section("quic", Need::kOptional,
                   [&](ConfigSection& q) { parseQuicListener(q, out.quic.emplace(), base_dir); });
  if (!any) s.error("at least one listener is required (listeners.tcp or listeners.quic)");
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

bool isHandlerName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxHandlerName &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

// `handlers.<name>`; out.name is set. Keys of other handler types are errors; with an unknown
// or missing type (already an error) every key is read, none required.
void parseHandler(ConfigSection& s, HandlerConfig& out, const std::string& base_dir) {
  if (!isHandlerName(out.name))
    s.error("handler names must be 1.." + std::to_string(kMaxHandlerName) +
            " characters of A-Z a-z 0-9 _ - (they become metrics labels and key paths)");
  const bool typed = s.enumeration("type", out.type, kHandlerTypes, Need::kRequired);
  // Whether `key`, a key of handlers of type `type`, is read here (else it is an error if set).
  const auto appliesTo = [&](std::string_view key, HandlerType type) {
    if (!typed || out.type == type) return true;
    (void)s.forbid(key, "only applies to type: " + std::string(toString(type)) +
                            " (this handler is type: " + std::string(toString(out.type)) + ")");
    return false;
  };
  const auto neededBy = [&](HandlerType type) {
    return typed && out.type == type ? Need::kRequired : Need::kOptional;
  };
  if (appliesTo("path", HandlerType::kFile))
    s.writableFile("path", out.path, neededBy(HandlerType::kFile), base_dir, "output file");
  if (appliesTo("url", HandlerType::kWebhook))
    s.httpUrl("url", out.url, neededBy(HandlerType::kWebhook));
  if (appliesTo("timeout", HandlerType::kWebhook))
    s.duration("timeout", out.timeout, milliseconds(1), kMaxDuration);
  if (appliesTo("retries", HandlerType::kWebhook))
    s.integer("retries", out.retries, 0u, kMaxRetries);
  if (appliesTo("command", HandlerType::kExec))
    s.command("command", out.command, neededBy(HandlerType::kExec), base_dir);
  s.integer("queue_length", out.queue_length, 1u, kMaxQueueLength);
  s.byteSize("queue_bytes", out.queue_bytes, kKiB, 4 * kGiB);
}

// `routes[i]`. Rules between its keys are in checkRoutes().
void parseRoute(ConfigSection& s, RouteConfig& out) {
  s.topicFilter("filter", out.filter, Need::kRequired);
  s.enumeration("action", out.action, kRouteActions, Need::kRequired);
  s.text("handler", out.handler, Need::kOptional, "a handler name (a key of handlers)");
  s.enumeration("on_drop", out.on_drop, kDropPolicies);
  s.enumeration("source", out.source, kRouteSources);
  uint32_t qos = out.qos;
  s.integer("qos", qos, 0u, kMaxQos);
  out.qos = static_cast<uint8_t>(qos);
}

// routes[index] of the file, at `index` also when items before it were not maps, so that
// cross-field errors name the right item.
RouteConfig& routeAt(std::vector<RouteConfig>& routes, size_t index) {
  if (routes.size() <= index) routes.resize(index + 1);
  return routes[index];
}

void parseRoot(ConfigSection& s, Config& out, const std::string& base_dir) {
  s.section("upstream", Need::kRequired, [&](ConfigSection& c) { parseUpstream(c, out.upstream); });
  s.section("listeners", Need::kRequired,
            [&](ConfigSection& c) { parseListeners(c, out.listeners, base_dir); });
  s.section("admin", Need::kOptional, [&](ConfigSection& c) { parseAdmin(c, out.admin); });
  s.section("limits", Need::kOptional, [&](ConfigSection& c) { parseLimits(c, out.limits); });
  s.section("log", Need::kOptional, [&](ConfigSection& c) { parseLog(c, out.log); });
  s.duration("drain_timeout", out.drain_timeout, milliseconds(0), kMaxDuration);
  s.countOrAuto("workers", out.workers, 1, kMaxWorkers);
  s.eachEntry("handlers", Need::kOptional, [&](const std::string& name, ConfigSection& c) {
    HandlerConfig& handler = out.handlers.emplace_back();
    handler.name = name;
    parseHandler(c, handler, base_dir);
  });
  s.eachItem("routes", Need::kOptional,
             [&](size_t index, ConfigSection& c) { parseRoute(c, routeAt(out.routes, index)); });
}

// Two addresses that cannot both be bound (or a listener the gateway would connect to itself
// through). Both were validated already; unparsable ones are skipped.
bool overlap(const std::string& a, const std::string& b) {
  const auto pa = SocketAddress::parse(a);
  const auto pb = SocketAddress::parse(b);
  return pa && pb && pa->overlaps(*pb);
}

// `small_key`'s size must not exceed `large_key`'s. The error points at `small_key` when the file
// sets it, else at `large_key` (then the file set only that one: defaults never conflict).
void checkNotAbove(ConfigDiagnostics& d, const std::string& small_key, uint64_t small,
                   const std::string& large_key, uint64_t large) {
  if (small <= large) return;
  const std::string s = config::formatByteSize(small);
  const std::string l = config::formatByteSize(large);
  if (d.recorded(small_key))
    d.addAt(small_key, "must not exceed " + large_key + " (" + s + " > " + l + ")");
  else
    d.addAt(large_key, "must be at least " + small_key + " (" + l + " < " + s + ")");
}

// No address checks: QUIC binds a UDP port, which cannot clash with the TCP listener or admin
// ports, and the gateway never connects to it (upstream is TCP).
void checkQuicListener(const QuicListenerConfig& q, ConfigDiagnostics& d) {
  const std::string p = "listeners.quic.";
  // keep_alive defaults to 0s (off), so a keep_alive in conflict was set in the file.
  if (q.keep_alive.count() != 0 && q.keep_alive >= q.idle_timeout)
    d.addAt(p + "keep_alive",
            "must be below " + p + "idle_timeout (" + config::formatDuration(q.keep_alive) +
                " >= " + config::formatDuration(q.idle_timeout) + "), or 0s for no keep-alive");
  checkNotAbove(d, p + "initial_stream_window", q.initial_stream_window, p + "max_stream_window",
                q.max_stream_window);
  checkNotAbove(d, p + "initial_stream_window", q.initial_stream_window,
                p + "initial_connection_window", q.initial_connection_window);
  checkNotAbove(d, p + "initial_connection_window", q.initial_connection_window,
                p + "max_connection_window", q.max_connection_window);
  checkNotAbove(d, p + "max_stream_window", q.max_stream_window, p + "max_connection_window",
                q.max_connection_window);
  if (q.retry != RetryMode::kAuto && d.recorded(p + "retry_threshold"))
    d.addAt(p + "retry_threshold", "only applies with retry: auto (retry is " +
                                       std::string(toString(q.retry)) + "); remove it");
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// `handler` of the route at `path` must name a handler. One whose entry under `handlers` was
// reported already (not a map) counts as defined.
void checkHandlerExists(const Config& c, ConfigDiagnostics& d, const std::string& path,
                        const std::string& handler) {
  std::vector<std::string> names;
  for (const HandlerConfig& h : c.handlers) names.push_back(h.name);
  if (std::find(names.begin(), names.end(), handler) != names.end()) return;
  if (d.hasError("handlers." + handler)) return;
  const auto suggestion = config::closestMatch(handler, names);
  const std::string hint = suggestion      ? "did you mean '" + *suggestion + "'?"
                           : names.empty() ? "no handlers are defined; add one under handlers"
                                           : "defined handlers: " + joined(names);
  d.addAt(path, "unknown handler '" + handler + "' (" + hint + ")");
}

// The rules between a route's keys (include/mqttd/config.h, docs/routing.md). A route whose item
// or action is bad or missing (maybe misspelt) is skipped: what it should be is not known.
void checkRoutes(const Config& c, ConfigDiagnostics& d) {
  for (size_t i = 0; i < c.routes.size(); ++i) {
    const RouteConfig& r = c.routes[i];
    const std::string item = "routes[" + std::to_string(i) + "]";
    const std::string p = item + ".";
    if (d.hasError(item) || !d.recorded(p + "action") || d.hasError(p + "action")) continue;
    const std::string action(toString(r.action));
    const bool has_handler = d.recorded(p + "handler") && !d.hasError(p + "handler");
    if (r.action == RouteAction::kTap || r.action == RouteAction::kLocal) {
      if (has_handler)
        checkHandlerExists(c, d, p + "handler", r.handler);
      else if (!d.hasError(p + "handler"))
        d.addAt(p + "handler",
                "required with action: " + action + " (the handler that gets the messages)");
    } else if (has_handler) {
      d.addAt(p + "handler", "not allowed with action: " + action +
                                 (r.action == RouteAction::kDrop
                                      ? " (drop sends the messages nowhere); remove it"
                                      : " (forward sends the messages to the broker only); "
                                        "remove it"));
    }
    if (r.action != RouteAction::kDrop && d.recorded(p + "on_drop") && !d.hasError(p + "on_drop"))
      d.addAt(p + "on_drop",
              "only applies with action: drop (action is " + action + "); remove it");
    if (d.hasError(p + "source")) continue;
    if (r.source == RouteSource::kBroker && r.action != RouteAction::kTap)
      d.addAt(p + "source", "broker requires action: tap (action is " + action +
                                "): the gateway only sees copies of what the broker delivers");
    if (r.source != RouteSource::kBroker && d.recorded(p + "qos") && !d.hasError(p + "qos"))
      d.addAt(p + "qos", "only applies with source: broker (source is " +
                             std::string(toString(r.source)) + "); remove it");
  }
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
  if (c.listeners.quic) checkQuicListener(*c.listeners.quic, d);
  checkRoutes(c, d);
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
  // Relative paths in the config (cert, key) are relative to the config file's directory.
  const std::string base_dir = std::filesystem::path(source_name).parent_path().string();
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
                            [&](ConfigSection& s) { parseRoot(s, config, base_dir); });
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
