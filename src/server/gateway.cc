// mqttd::Gateway (include/mqttd/gateway.h): the embedding API over GatewayServer.
#include "mqttd/gateway.h"

#include <stdexcept>

#include "core/log.h"
#include "mqtt/topic.h"
#include "server/gateway_server.h"

namespace mqttd {

Gateway::Gateway(Config config, std::string config_path) {
  if (config_path.empty()) config_path = config.source;
  Log::configure(parseLogLevel(config.log.level).value_or(LogLevel::kInfo),
                 parseLogFormat(config.log.format).value_or(LogFormat::kText));
  server_ = std::make_unique<GatewayServer>(std::move(config), std::move(config_path));
}

Gateway::~Gateway() = default;

void Gateway::subscribe(const std::string& filter, MessageHandler handler,
                        SubscribeOptions options) {
  if (started_) throw std::logic_error("mqttd::Gateway::subscribe() after start()");
  if (!mqtt::isValidTopicFilter(filter))
    throw std::invalid_argument("not a valid MQTT topic filter: '" + filter + "'");
  if (!handler) throw std::invalid_argument("mqttd::Gateway::subscribe(): empty handler");
  server_->subscribe(filter, std::move(handler), options);
}

void Gateway::start() {
  if (started_) return;
  if (auto started = server_->start(); !started) throw std::runtime_error(started.error());
  started_ = true;
}

int Gateway::run() {
  start();
  return server_->run();
}

void Gateway::stop() { server_->stop(); }

}  // namespace mqttd
