#include "server/gateway.h"

#include <csignal>

#include "config/config_loader.h"
#include "core/log.h"

namespace mqttd {
namespace {

// After the drain timeout: how long closing connections get to finish their FIN exchange.
constexpr std::chrono::seconds kFinalGrace{3};

std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  const std::string old_tcp = running.listeners.tcp ? running.listeners.tcp->address : "";
  const std::string new_tcp = next.listeners.tcp ? next.listeners.tcp->address : "";
  if (old_tcp != new_tcp) keys.push_back("listeners.tcp.address");
  if (running.listeners.tcp && next.listeners.tcp &&
      running.listeners.tcp->backlog != next.listeners.tcp->backlog)
    keys.push_back("listeners.tcp.backlog");
  if (running.listeners.quic != next.listeners.quic) keys.push_back("listeners.quic");
  if (running.admin.address != next.admin.address) keys.push_back("admin.address");
  return keys;
}

void applyLogConfig(const LogConfig& log) {
  Log::configure(parseLogLevel(log.level).value_or(LogLevel::kInfo),
                 parseLogFormat(log.format).value_or(LogFormat::kText));
}

}  // namespace

Gateway::Gateway(Config config, std::string config_path)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      sigterm_(loop_, SIGTERM, [this] { beginDrain("SIGTERM"); }),
      sigint_(loop_, SIGINT, [this] { beginDrain("SIGINT"); }),
      sighup_(loop_, SIGHUP, [this] { reload(); }),
      drain_timer_(loop_,
                   [this] {
                     Log::info("drain timeout reached; closing the remaining connections",
                               {{"connections", std::to_string(connectionCount())}});
                     finishDrain();
                   }),
      drain_deadline_(loop_, [this] { loop_.stop(); }) {
  std::signal(SIGPIPE, SIG_IGN);
}

Gateway::~Gateway() = default;

SpliceContext Gateway::spliceContext() {
  return SpliceContext{loop_, metrics_, broker_, config_.upstream.connect_timeout,
                       config_.limits};
}

Result<void, std::string> Gateway::start() {
  auto broker = SocketAddress::parse(config_.upstream.address);
  if (!broker) return fail("upstream.address: " + broker.error());
  broker_ = *broker;

  if (config_.listeners.tcp) {
    auto address = SocketAddress::parse(config_.listeners.tcp->address);
    if (!address) return fail("listeners.tcp.address: " + address.error());
    auto tcp = TcpFrontend::open(
        loop_, *address, config_.listeners.tcp->backlog, [this] { return spliceContext(); },
        [this] { return next_connection_id_++; });
    if (!tcp) return fail("listeners.tcp: " + tcp.error());
    tcp_ = std::move(*tcp);
    tcp_->setOnConnectionClosed([this] { checkDrained(); });
    Log::info("listening", {{"transport", "tcp"}, {"address", tcp_->address().toString()}});
  }

  if (config_.listeners.quic) {
    auto quic = QuicFrontend::open(
        loop_, metrics_, *config_.listeners.quic, [this] { return spliceContext(); },
        [this] { return next_connection_id_++; });
    if (!quic) return fail("listeners.quic: " + quic.error());
    quic_ = std::move(*quic);
    quic_->setOnConnectionClosed([this] { checkDrained(); });
    Log::info("listening", {{"transport", "quic"}, {"address", quic_->address().toString()}});
  }

  if (!config_.admin.address.empty()) {
    auto address = SocketAddress::parse(config_.admin.address);
    if (!address) return fail("admin.address: " + address.error());
    auto admin = AdminServer::open(
        loop_, *address,
        AdminServer::Handlers{[this](std::string& why) { return ready(why); },
                              [this] { return metrics_.renderPrometheus(); },
                              [this] { return connectionsJson(); }});
    if (!admin) return fail("admin: " + admin.error());
    admin_ = std::move(*admin);
    Log::info("admin listening", {{"address", admin_->address().toString()}});
  }

  probe_ = std::make_unique<UpstreamProbe>(loop_, broker_, config_.upstream.health_interval,
                                           config_.upstream.connect_timeout);
  probe_->start();
  Log::info("mqttd-gw started", {{"version", MQTTD_VERSION},
                                 {"upstream", broker_.toString()},
                                 {"config", config_path_}});
  return {};
}

int Gateway::run() {
  loop_.run();
  Log::info("mqttd-gw stopped", {{"connections_left", std::to_string(connectionCount())}});
  return 0;
}

size_t Gateway::connectionCount() const {
  return (tcp_ ? tcp_->connectionCount() : 0) + (quic_ ? quic_->connectionCount() : 0);
}

bool Gateway::ready(std::string& why) const {
  if (draining_) {
    why = "draining";
    return false;
  }
  why = probe_ ? probe_->status() : "starting";
  return probe_ && probe_->reachable();
}

std::string Gateway::connectionsJson() const {
  std::string out = "[";
  if (tcp_) tcp_->appendJson(out);
  if (quic_) quic_->appendJson(out);
  out += "]\n";
  return out;
}

void Gateway::beginDrain(const char* signal_name) {
  if (draining_) {
    Log::info("second signal: closing every connection now", {{"signal", signal_name}});
    finishDrain();
    return;
  }
  draining_ = true;
  Log::info("draining", {{"signal", signal_name},
                         {"connections", std::to_string(connectionCount())},
                         {"drain_timeout_ms", std::to_string(config_.drain_timeout.count())}});
  if (tcp_) tcp_->stopAccepting();
  if (quic_) quic_->stopAccepting();
  drain_timer_.start(config_.drain_timeout);
  checkDrained();
}

void Gateway::finishDrain() {
  drain_timer_.stop();
  if (!shut_down_) {
    shut_down_ = true;
    if (tcp_) tcp_->shutdownAll();
    if (quic_) quic_->shutdownAll();
    drain_deadline_.start(kFinalGrace);
  }
  checkDrained();
}

void Gateway::checkDrained() {
  if (draining_ && connectionCount() == 0) {
    Log::info("drained; exiting");
    loop_.stop();
  }
}

void Gateway::reload() {
  Log::info("SIGHUP: reloading configuration", {{"config", config_path_}});
  auto next = ConfigLoader::loadFile(config_path_);
  if (!next) {
    Log::error("reload failed; keeping the running configuration",
               {{"errors", toString(next.error())}});
    return;
  }
  auto broker = SocketAddress::parse(next->upstream.address);
  if (!broker) {
    Log::error("reload failed; keeping the running configuration",
               {{"errors", "upstream.address: " + broker.error()}});
    return;
  }
  for (const std::string& key : restartOnlyChanges(config_, *next))
    Log::warn("reload: this change needs a restart; still using the old value", {{"key", key}});
  // Apply what can change live; keep the bound addresses as they are.
  next->listeners = config_.listeners;
  next->admin = config_.admin;
  config_ = std::move(*next);
  broker_ = *broker;
  applyLogConfig(config_.log);
  if (probe_)
    probe_->reconfigure(broker_, config_.upstream.health_interval,
                        config_.upstream.connect_timeout);
  Log::info("configuration reloaded", {{"upstream", broker_.toString()}});
}

}  // namespace mqttd
