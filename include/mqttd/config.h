// mqttd::Config: the gateway's whole configuration, as read from gw.yaml.
// Defaults live here, in the member initialisers; docs/configuration.md documents each key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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

struct ListenersConfig {
  std::optional<TcpListenerConfig> tcp;  // absent: no TCP listener
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
};

}  // namespace mqttd
