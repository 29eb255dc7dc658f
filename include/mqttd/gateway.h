// mqttd::Gateway: the whole gateway in a C++ program, with handlers registered in code.
//
//   mqttd::Gateway gw(mqttd::Config::load("gw.yaml"));
//   gw.subscribe("sensors/#", [](const mqttd::Message& m) { ... });
//   return gw.run();
//
// subscribe() is the code form of a `tap` route: a PUBLISH from a client whose topic matches
// still goes to the broker (or wherever the config's routes send it), and the handler gets a
// copy, on its own thread. Every matching subscription sees it; dropped messages are not seen.
#pragma once

#include <memory>
#include <string>

#include "mqttd/config.h"
#include "mqttd/handler.h"

namespace mqttd {

class GatewayServer;

class Gateway {
 public:
  // `config_path`: the file SIGHUP re-reads (empty: Config::source, the file it was loaded from).
  explicit Gateway(Config config, std::string config_path = "");
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Before start()/run(). Throws std::invalid_argument for a filter that is not a valid MQTT
  // topic filter. Subscriptions stay across SIGHUP reloads.
  void subscribe(const std::string& filter, MessageHandler handler, SubscribeOptions options = {});

  // Binds the listeners and the admin server; throws std::runtime_error saying which failed.
  // run() calls it when it has not been called.
  void start();
  // Serves until SIGTERM/SIGINT has drained the connections (or stop()); returns the process
  // exit code (0).
  int run();
  // From any thread (or a handler): drain as SIGTERM does.
  void stop();

 private:
  std::unique_ptr<GatewayServer> server_;
  bool started_ = false;
};

}  // namespace mqttd
