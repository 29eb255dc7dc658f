#include "gateway_process.h"

#include <signal.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "test_net.h"

namespace mqttd::test {

std::string GatewayProcess::binary() {
  const char* path = std::getenv("MQTTD_GW");
  return path != nullptr ? path : "mqttd-gw";
}

GatewayProcess::GatewayProcess(const std::string& dir, uint16_t broker_port,
                               const std::string& extra_yaml, const std::string& quic_yaml)
    : tcp_port_(freeTcpPort()), quic_port_(freeUdpPort()), admin_port_(freeTcpPort()) {
  config_path_ = dir + "/gw.yaml";
  log_path_ = dir + "/gw.log";
  cert_path_ = dir + "/tls/dev.crt";
  {
    ChildProcess cert({binary(), "--dev-cert", dir + "/tls"});
    (void)cert.wait(std::chrono::seconds(10));
  }
  {
    std::ofstream out(config_path_);
    out << "upstream:\n  address: 127.0.0.1:" << broker_port
        << "\n  health_interval: 200ms\n"
        << "listeners:\n  tcp:\n    address: 127.0.0.1:" << tcp_port_ << "\n"
        << "  quic:\n    address: 127.0.0.1:" << quic_port_ << "\n"
        << "    cert: tls/dev.crt\n    key: tls/dev.key\n"
        << quic_yaml
        << "admin:\n  address: 127.0.0.1:" << admin_port_ << "\n"
        << extra_yaml;
  }
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary(), "-c", config_path_}, "", log_path_);
}

GatewayProcess::~GatewayProcess() {
  if (process_ && process_->running()) {
    process_->signal(SIGKILL);
    (void)process_->wait(std::chrono::seconds(5));
  }
}

bool GatewayProcess::waitReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) return false;
    if (httpGet(admin_port_, "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool GatewayProcess::waitAlive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) return false;
    if (httpGet(admin_port_, "/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string GatewayProcess::log() {
  std::ifstream in(log_path_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace mqttd::test
