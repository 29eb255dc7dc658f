#include "server/gateway_server.h"

#include <csignal>
#include <optional>

#include "config/config_loader.h"
#include "core/log.h"

namespace mqttd {
namespace {

// After the drain timeout: how long closing connections get to finish their FIN exchange.
constexpr std::chrono::seconds kFinalGrace{3};
// /connections: how long the admin server waits for the workers' answers.
constexpr std::chrono::milliseconds kConnectionsTimeout{1000};

std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  const std::string old_tcp = running.listeners.tcp ? running.listeners.tcp->address : "";
  const std::string new_tcp = next.listeners.tcp ? next.listeners.tcp->address : "";
  if (old_tcp != new_tcp) keys.push_back("listeners.tcp.address");
  if (running.listeners.tcp && next.listeners.tcp &&
      running.listeners.tcp->backlog != next.listeners.tcp->backlog)
    keys.push_back("listeners.tcp.backlog");
  // cert_reload_interval applies live (CertificateReloader::setInterval); nothing else in
  // listeners.quic does.
  auto restart_only = [](std::optional<QuicListenerConfig> quic) {
    if (quic) quic->cert_reload_interval = {};
    return quic;
  };
  if (restart_only(running.listeners.quic) != restart_only(next.listeners.quic))
    keys.push_back("listeners.quic");
  if (running.admin.address != next.admin.address) keys.push_back("admin.address");
  if (running.workers != next.workers) keys.push_back("workers");
  return keys;
}

void applyLogConfig(const LogConfig& log) {
  Log::configure(parseLogLevel(log.level).value_or(LogLevel::kInfo),
                 parseLogFormat(log.format).value_or(LogFormat::kText));
}

}  // namespace

GatewayServer::GatewayServer(Config config, std::string config_path)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      routing_(loop_),
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

GatewayServer::~GatewayServer() {
  // Worker threads first: they post to the main loop and use metrics_ and settings_.
  workers_.reset();
}

Result<void, std::string> GatewayServer::start() {
  auto broker = SocketAddress::parse(config_.upstream.address);
  if (!broker) return fail("upstream.address: " + broker.error());
  broker_ = *broker;

  settings_ = std::make_unique<LiveSettings>(
      LiveSettings::Snapshot{broker_, config_.upstream.connect_timeout, config_.limits});
  if (auto routed = routing_.configure(config_, broker_); !routed) return fail(routed.error());
  // A worker's connection ended (on its thread): re-check the drain on the main loop.
  auto pool = WorkerPool::open(config_, loop_, metrics_, *settings_, routing_.router(),
                               [this] { loop_.callLater([this] { checkDrained(); }); });
  if (!pool) return fail(pool.error());
  workers_ = std::move(*pool);
  const std::string worker_count = std::to_string(workers_->size());
  if (const SocketAddress* tcp = workers_->tcpAddress())
    Log::info("listening",
              {{"transport", "tcp"}, {"address", tcp->toString()}, {"workers", worker_count}});
  if (const SocketAddress* quic = workers_->quicAddress()) {
    Log::info("listening",
              {{"transport", "quic"}, {"address", quic->toString()}, {"workers", worker_count}});
    certificates_ = std::make_unique<CertificateReloader>(loop_, workers_->tls(), metrics_);
    certificates_->start(config_.listeners.quic->cert_reload_interval);
    if (config_.listeners.quic->simple_framer.enabled)
      Log::warn("simple framer enabled: unencrypted and unauthenticated MQTT on the QUIC port, "
                "for trusted networks only (docs/simple-framing.md §11)",
                {{"transport", "simple"}, {"address", quic->toString()}});
  }

  if (!config_.admin.address.empty()) {
    auto address = SocketAddress::parse(config_.admin.address);
    if (!address) return fail("admin.address: " + address.error());
    auto admin = AdminServer::open(
        loop_, *address,
        AdminServer::Handlers{[this](std::string& why) { return ready(why); },
                              [this] { return metricsText(); },
                              [this] { return workers_->connectionsJson(kConnectionsTimeout); }});
    if (!admin) return fail("admin: " + admin.error());
    admin_ = std::move(*admin);
    Log::info("admin listening", {{"address", admin_->address().toString()}});
  }

  probe_ = std::make_unique<UpstreamProbe>(loop_, broker_, config_.upstream.health_interval,
                                           config_.upstream.connect_timeout);
  probe_->start();
  workers_->start();
  Log::info("mqttd-gw started", {{"version", MQTTD_VERSION},
                                 {"upstream", broker_.toString()},
                                 {"config", config_path_}});
  return {};
}

int GatewayServer::run() {
  loop_.run();
  workers_->stop();
  Log::info("mqttd-gw stopped", {{"connections_left", std::to_string(connectionCount())}});
  return 0;
}

void GatewayServer::subscribe(const std::string& filter, MessageHandler handler,
                              SubscribeOptions options) {
  routing_.subscribe(filter, std::move(handler), options);
}

void GatewayServer::stop() {
  loop_.callLater([this] { beginDrain("stop()"); });
}

size_t GatewayServer::connectionCount() const { return workers_ ? workers_->connectionCount() : 0; }

bool GatewayServer::ready(std::string& why) const {
  if (draining_) {
    why = "draining";
    return false;
  }
  why = probe_ ? probe_->status() : "starting";
  return probe_ && probe_->reachable();
}

std::string GatewayServer::metricsText() const {
  std::string out = metrics_.renderPrometheus();
  out += "# HELP mqttd_workers Worker threads (event loops with their own listeners).\n";
  out += "# TYPE mqttd_workers gauge\n";
  out += "mqttd_workers " + std::to_string(workers_->size()) + "\n";
  out += "# HELP mqttd_worker_connections Open client connections (QUIC and TCP), by worker.\n";
  out += "# TYPE mqttd_worker_connections gauge\n";
  const std::vector<size_t> counts = workers_->connectionsPerWorker();
  for (size_t i = 0; i < counts.size(); ++i)
    out += "mqttd_worker_connections{worker=\"" + std::to_string(i) + "\"} " +
           std::to_string(counts[i]) + "\n";
  out += "# HELP mqttd_worker_connections_total Client connections accepted (QUIC and TCP), by "
         "worker.\n";
  out += "# TYPE mqttd_worker_connections_total counter\n";
  const std::vector<uint64_t> accepted = workers_->acceptedPerWorker();
  for (size_t i = 0; i < accepted.size(); ++i)
    out += "mqttd_worker_connections_total{worker=\"" + std::to_string(i) + "\"} " +
           std::to_string(accepted[i]) + "\n";
  routing_.appendMetrics(out);
  return out;
}

void GatewayServer::beginDrain(const char* signal_name) {
  if (draining_) {
    Log::info("second signal: closing every connection now", {{"signal", signal_name}});
    finishDrain();
    return;
  }
  draining_ = true;
  Log::info("draining", {{"signal", signal_name},
                         {"connections", std::to_string(connectionCount())},
                         {"drain_timeout_ms", std::to_string(config_.drain_timeout.count())}});
  workers_->forEach([](Worker& worker) { worker.stopAccepting(); });
  routing_.stopBrokerSubscription();
  drain_timer_.start(config_.drain_timeout);
  checkDrained();
}

void GatewayServer::finishDrain() {
  drain_timer_.stop();
  if (!shut_down_) {
    shut_down_ = true;
    workers_->forEach([](Worker& worker) { worker.shutdownAll(); });
    drain_deadline_.start(kFinalGrace);
  }
  checkDrained();
}

void GatewayServer::checkDrained() {
  if (draining_ && connectionCount() == 0) {
    Log::info("drained; exiting");
    loop_.stop();
  }
}

void GatewayServer::reload() {
  Log::info("SIGHUP: reloading configuration", {{"config", config_path_}});
  // First, and whatever the config file holds: a broken or unchanged config must not keep a
  // renewed certificate out (nor an invalid one in: the pair in force stays on any error).
  if (certificates_) certificates_->reload(CertificateReloader::Trigger::kSignal);
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
  if (auto routed = routing_.configure(*next, *broker); !routed) {
    Log::error("reload failed; keeping the running configuration", {{"errors", routed.error()}});
    return;
  }
  for (const std::string& key : restartOnlyChanges(config_, *next))
    Log::warn("reload: this change needs a restart; still using the old value", {{"key", key}});
  // Apply what can change live; keep the bound addresses as they are.
  std::optional<std::chrono::milliseconds> cert_reload_interval;
  if (config_.listeners.quic && next->listeners.quic)
    cert_reload_interval = next->listeners.quic->cert_reload_interval;
  next->listeners = config_.listeners;
  if (cert_reload_interval) next->listeners.quic->cert_reload_interval = *cert_reload_interval;
  next->admin = config_.admin;
  next->workers = config_.workers;
  config_ = std::move(*next);
  broker_ = *broker;
  settings_->set(LiveSettings::Snapshot{broker_, config_.upstream.connect_timeout, config_.limits});
  applyLogConfig(config_.log);
  if (probe_)
    probe_->reconfigure(broker_, config_.upstream.health_interval,
                        config_.upstream.connect_timeout);
  if (certificates_ && cert_reload_interval) certificates_->setInterval(*cert_reload_interval);
  Log::info("configuration reloaded", {{"upstream", broker_.toString()}});
}

}  // namespace mqttd
