// GatewayProcess: the real mqttd-gw binary with a generated config on free ports.
#pragma once

#include <memory>
#include <string>

#include "child_process.h"

namespace mqttd::test {

class GatewayProcess {
 public:
  // Writes `dir`/gw.yaml for broker `broker_port` (plus `extra_yaml` appended at the top level
  // and `quic_yaml` lines inside listeners.quic, indented by 4) with a TCP and a QUIC listener
  // (a development certificate in `dir`/tls) and starts the gateway. Call waitReady() first.
  GatewayProcess(const std::string& dir, uint16_t broker_port, const std::string& extra_yaml = "",
                 const std::string& quic_yaml = "");
  ~GatewayProcess();

  // Polls /readyz until 200 (true) or the timeout; also fails fast if the process exits.
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Polls /healthz until it answers.
  bool waitAlive(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  uint16_t tcpPort() const { return tcp_port_; }
  uint16_t quicPort() const { return quic_port_; }
  // The development certificate the QUIC listener serves (a client's CA file).
  const std::string& certPath() const { return cert_path_; }
  uint16_t adminPort() const { return admin_port_; }
  const std::string& configPath() const { return config_path_; }
  const std::string& logPath() const { return log_path_; }
  ChildProcess& process() { return *process_; }
  // The gateway's log (stdout and stderr) so far.
  std::string log();

  // The path of the mqttd-gw binary (from the MQTTD_GW environment variable).
  static std::string binary();

 private:
  uint16_t tcp_port_;
  uint16_t quic_port_;
  std::string cert_path_;
  uint16_t admin_port_;
  std::string config_path_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace mqttd::test
