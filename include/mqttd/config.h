// mqttd::Config: the gateway's whole configuration, as read from gw.yaml.
// Defaults live here, in the member initialisers; docs/configuration.md documents each key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mqttd {

// `upstream`: the TCP MQTT broker behind the gateway.
struct UpstreamConfig {
  std::string address;  // "host:port" / "[v6]:port"; required (numeric IP, no DNS)
  std::chrono::milliseconds connect_timeout{5000};  // non-blocking connect limit, > 0
  std::chrono::milliseconds health_interval{5000};  // readiness probe period, > 0
};

// `listeners.tcp`: optional plain MQTT over TCP.
struct TcpListenerConfig {
  std::string address;  // "ip:port"; port 0 picks a free port
  int backlog = 511;    // listen(2) backlog, 1..65535
};

// `listeners.quic.congestion`: the congestion controller of each QUIC connection.
enum class CongestionControl {
  kCubic,  // "cubic": CUBIC (RFC 9438), the default
  kBbr,    // "bbr": BBR (model-based; better on lossy, high-latency links)
  kReno,   // "reno": NewReno, RFC 9002 §7
};

// `listeners.quic.retry`: when the server answers an Initial with a Retry packet to validate the
// client's address first (RFC 9000 §8.1.2; costs one round trip).
enum class RetryMode {
  kNever,   // "never": no address validation by Retry
  kAlways,  // "always": every new connection
  kAuto,    // "auto": only while more than retry_threshold handshakes are in progress
};

// `listeners.quic.simple_framer`: the unencrypted simple framing on the QUIC port
// (docs/simple-framing.md). Off unless enabled: it has no confidentiality or authentication.
struct SimpleFramerConfig {
  bool enabled = false;
  // Stream Window the gateway advertises (docs/simple-framing.md §3.3, §5.4): stream bytes a
  // client may send ahead of what the broker has taken, bytes, 1 KiB..4 GiB.
  uint32_t stream_window = 256 * 1024;

  bool operator==(const SimpleFramerConfig&) const = default;
};

// `listeners.quic`: optional MQTT over QUIC (one MQTT connection per QUIC connection).
// Cross-field rules (checked by the loader): keep_alive < idle_timeout unless 0;
// initial_stream_window <= max_stream_window; initial_stream_window <= initial_connection_window;
// initial_connection_window, max_stream_window <= max_connection_window.
struct QuicListenerConfig {
  // UDP "ip:port"; port 0 picks a free port. 14567 is the port EMQX and its tools use.
  std::string address = "0.0.0.0:14567";
  std::string cert;  // PEM certificate chain file (required); resolved against the config's dir
  std::string key;   // PEM private key file (required); resolved against the config's dir
  // How often the contents of `cert` and `key` are re-read (a changed pair serves new
  // handshakes; open connections keep theirs); they are re-read on SIGHUP too. 0: only on
  // SIGHUP; else 1s..24h. Kubernetes updates a mounted Secret's files without any signal.
  std::chrono::milliseconds cert_reload_interval{60000};
  // Offered ALPN ids (RFC 7301), 1..255 bytes each, non-empty list; mandatory: a client offering
  // none of them is refused (RFC 9001 §8.1).
  std::vector<std::string> alpn{"mqtt"};
  std::chrono::milliseconds idle_timeout{90000};       // RFC 9000 §18.2 max_idle_timeout, 1ms..24h
  std::chrono::milliseconds handshake_timeout{10000};  // handshake must finish within, 1ms..24h
  std::chrono::milliseconds keep_alive{0};  // 0: off; else PING after this idle, < idle_timeout
  uint32_t max_streams_bidi = 10;  // RFC 9000 §18.2 initial_max_streams_bidi, 1..1000
  // RFC 9000 §18.2 initial_max_stream_data_bidi_remote, bytes, >= 1KiB.
  uint32_t initial_stream_window = 256 * 1024;
  uint32_t max_stream_window = 6 * 1024 * 1024;  // auto-tuning ceiling per stream, bytes
  uint32_t initial_connection_window = 1024 * 1024;   // RFC 9000 §18.2 initial_max_data, bytes
  uint32_t max_connection_window = 16 * 1024 * 1024;  // auto-tuning ceiling per connection, bytes
  // RFC 9000 §18.2 max_udp_payload_size, 1200..1452 bytes (§14: every path carries 1200; 1452 is
  // a 1500-byte Ethernet MTU less the IPv6 and UDP headers).
  uint32_t max_udp_payload_size = 1452;
  CongestionControl congestion = CongestionControl::kCubic;
  RetryMode retry = RetryMode::kAuto;
  // retry: auto sends Retry while more handshakes than this are in progress; >= 1.
  uint32_t retry_threshold = 100;
  // TLS 1.3 session tickets and 0-RTT (RFC 9001 §4.6): resumed clients may send their CONNECT
  // in the first flight. Replayable: see docs/quic.md.
  bool zero_rtt = false;
  // 32+ random bytes (raw or base64) shared by every worker and replica, so each can resume the
  // others' tickets; empty: a random key per process (tickets die with it).
  std::string ticket_key_file;
  // The simple framer on the same UDP port; uses idle_timeout, handshake_timeout and
  // max_udp_payload_size above too.
  SimpleFramerConfig simple_framer;

  bool operator==(const QuicListenerConfig&) const = default;  // SIGHUP: "did it change?"
};

struct ListenersConfig {
  std::optional<TcpListenerConfig> tcp;    // absent: no TCP listener
  std::optional<QuicListenerConfig> quic;  // absent: no QUIC listener
};

// `admin`: HTTP endpoints /healthz /readyz /metrics /connections.
struct AdminConfig {
  std::string address;  // "ip:port"; empty: no admin server
};

// `limits`: what one client may cost.
struct LimitsConfig {
  uint32_t max_packet_size = 16u * 1024 * 1024;  // bytes, MQTT remaining length + header; 16..268435460
  uint32_t max_connections = 10000;              // concurrent client connections, >= 1
  uint32_t buffer_high_water = 256u * 1024;  // bytes queued per direction before reads pause
  uint32_t buffer_low_water = 64u * 1024;    // bytes queued at which reads resume; < high water
  std::chrono::milliseconds connect_packet_timeout{10000};  // time a client has to send CONNECT
};

// `handlers.<name>.type`: where a handler sends the messages its routes give it
// (docs/routing.md). Each handler has its own bounded queue and thread.
enum class HandlerType {
  kLog,      // "log": one structured log line per message
  kFile,     // "file": appends one JSON line per message to `path`
  kWebhook,  // "webhook": POSTs the JSON of each message to `url`
  kExec,     // "exec": keeps `command` running and writes one JSON line per message to its stdin
};

// `handlers.<name>`: one handler.
struct HandlerConfig {
  std::string name;  // the key under `handlers` (metrics label, route reference); not a YAML key
  HandlerType type = HandlerType::kLog;  // required
  // file: the file to append to, absolute (relative ones are taken from the config's directory);
  // its directory must exist and be writable. Created if missing; reopened on SIGHUP.
  std::string path;
  // webhook: "http://host[:port][/path]"; host is a numeric IP or a name resolved at start.
  std::string url;
  std::chrono::milliseconds timeout{5000};  // webhook: one request, 1ms..24h
  uint32_t retries = 3;  // webhook: further attempts after a failed one, 0..10 (backoff 2x from 100ms)
  // exec: the program and its arguments (no shell), non-empty; the program is a path (relative
  // ones are taken from the config's directory and stored absolute) or a name looked up in PATH.
  std::vector<std::string> command;
  uint32_t queue_length = 1024;             // messages waiting for this handler, 1..1,000,000
  uint32_t queue_bytes = 16u * 1024 * 1024;  // payload bytes waiting, 1 KiB..4 GiB - 1

  bool operator==(const HandlerConfig&) const = default;  // SIGHUP: keep an unchanged handler
};

// `routes[i].action`: what the gateway does with a client PUBLISH whose topic matches.
enum class RouteAction {
  kForward,  // "forward": to the broker only (as with no route; stops the search)
  kTap,      // "tap": to the broker, and a copy to the handler
  kLocal,    // "local": to the handler only; the gateway completes the QoS 1/2 flow itself
  kDrop,     // "drop": nowhere; v5 acks carry reason 0x87, 3.1.1 follows on_drop
};

// `routes[i].on_drop`: what `drop` does to an MQTT 3.1.1 client, which has no reason codes.
enum class DropPolicy {
  kIgnore,      // "ignore": acknowledge as if delivered (the client cannot tell)
  kDisconnect,  // "disconnect": close the connection, as a 3.1.1 broker does on refusal
};

// `routes[i].source`: whose messages the route sees.
enum class RouteSource {
  kClients,  // "clients": PUBLISHes of the gateway's clients, on their way to the broker
  // "broker": the gateway subscribes to `filter` at the broker with its own MQTT session, so the
  // handler sees every message the broker delivers on it, however it was published; tap only.
  kBroker,
};

// `routes[i]`: tried in order; the first whose filter matches decides; none: forward.
struct RouteConfig {
  std::string filter;                      // MQTT topic filter (+, #), required
  RouteAction action = RouteAction::kTap;  // required
  std::string handler;  // a key of `handlers`; required for tap and local, not allowed for
                        // forward and drop
  DropPolicy on_drop = DropPolicy::kIgnore;      // only with action: drop
  RouteSource source = RouteSource::kClients;    // broker: action must be tap
  uint8_t qos = 1;  // source: broker: the subscription's maximum QoS, 0..2

  bool operator==(const RouteConfig&) const = default;
};

struct LogConfig {
  std::string level = "info";   // trace|debug|info|warn|error|off
  std::string format = "text";  // text|json
};

struct Config {
  std::string source;  // file the config was read from (for messages); not a YAML key
  UpstreamConfig upstream;
  ListenersConfig listeners;
  AdminConfig admin;
  LimitsConfig limits;
  LogConfig log;
  std::chrono::milliseconds drain_timeout{30000};  // SIGTERM: time open connections get
  // Event-loop threads, each with its own listeners (SO_REUSEPORT) and connections; 0: "auto"
  // (one per CPU the process may run on).
  uint32_t workers = 1;
  std::vector<HandlerConfig> handlers;  // `handlers`, in file order
  std::vector<RouteConfig> routes;      // `routes`, in order

  // Reads and validates gw.yaml (as `mqttd-gw -c` does); throws ConfigLoadError listing every
  // problem ("gw.yaml:12:5: routes[0].handler: ...") when it is not valid. For embedders.
  static Config load(const std::string& path);
};

// Config::load() failed; what() holds every error, one per line.
class ConfigLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mqttd
