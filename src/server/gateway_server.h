// GatewayServer: the process: the main event loop, the workers (WorkerPool; worker 0 shares the main
// loop), admin endpoints, broker probe, certificate reloads, signals (SIGTERM/SIGINT drain,
// SIGHUP reload).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "admin/admin_server.h"
#include "admin/metrics.h"
#include "core/event_loop.h"
#include "core/result.h"
#include "mqttd/config.h"
#include "mqttd/handler.h"
#include "server/certificate_reloader.h"
#include "server/live_settings.h"
#include "server/local_routing.h"
#include "server/worker_pool.h"
#include "splice/upstream_probe.h"

namespace mqttd {

class GatewayServer {
 public:
  // `config_path` is re-read on SIGHUP.
  GatewayServer(Config config, std::string config_path);
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Binds every listener and the admin server; the error says which one failed and why.
  Result<void, std::string> start();
  // Serves until drained after SIGTERM/SIGINT. Returns the process exit code.
  int run();
  // Before start(): a handler registered in code (mqttd::Gateway::subscribe).
  void subscribe(const std::string& filter, MessageHandler handler, SubscribeOptions options);
  // From any thread: begin the drain, as SIGTERM does.
  void stop();

 private:
  void beginDrain(const char* signal_name);
  void finishDrain();
  void checkDrained();
  void reload();
  bool ready(std::string& why) const;
  std::string metricsText() const;
  size_t connectionCount() const;

  EventLoop loop_;
  Config config_;             // the config in force (listener/admin fields as bound at start)
  std::string config_path_;   // for SIGHUP
  SocketAddress broker_;      // config_.upstream.address, parsed
  Metrics metrics_;                        // shared by every worker (atomics)
  std::unique_ptr<LiveSettings> settings_;  // what reload changes for the workers
  LocalRouting routing_;                    // routes and handlers; before workers_: they read it
  std::unique_ptr<WorkerPool> workers_;     // after settings_ and metrics_: uses both
  std::unique_ptr<CertificateReloader> certificates_;  // with a QUIC listener only
  std::unique_ptr<AdminServer> admin_;
  std::unique_ptr<UpstreamProbe> probe_;
  SignalWatch sigterm_;
  SignalWatch sigint_;
  SignalWatch sighup_;
  Timer drain_timer_;      // drain_timeout
  Timer drain_deadline_;   // after shutdownAll: the last wait before exiting anyway
  bool draining_ = false;
  bool shut_down_ = false;  // shutdownAll() has been sent
};

}  // namespace mqttd
