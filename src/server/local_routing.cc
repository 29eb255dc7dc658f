#include "server/local_routing.h"

#include <unistd.h>

#include <stdexcept>

#include "config/config_enums.h"
#include "core/log.h"
#include "route/callback_sink.h"
#include "route/sink_factory.h"

namespace mqttd {
namespace {

// The gateway's own MQTT client id at the broker: unique per host and process.
std::string subscriberClientId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return "mqttd-gw-" + std::string(host) + "-" + std::to_string(::getpid());
}

}  // namespace

LocalRouting::LocalRouting(EventLoop& loop) : loop_(loop) {}

LocalRouting::~LocalRouting() {
  broker_subscriber_.reset();
  router_.set(nullptr);
  std::vector<std::shared_ptr<HandlerQueue>> all;
  for (auto& [name, handler] : handlers_) all.push_back(handler.queue);
  for (auto& s : subscriptions_) all.push_back(s.handler);
  handlers_.clear();
  subscriptions_.clear();
  retire(std::move(all));  // in parallel: each gets its grace, not the sum of them
  for (std::thread& t : retiring_) t.join();
}

void LocalRouting::subscribe(const std::string& filter, MessageHandler handler,
                             SubscribeOptions options) {
  const std::string name = "subscribe[" + std::to_string(subscriptions_.size()) + "]";
  auto queue = std::make_shared<HandlerQueue>(name, "callback",
                                              std::make_unique<CallbackSink>(std::move(handler)),
                                              options.queue_length, options.queue_bytes);
  subscriptions_.push_back(RouteTable::Subscription{filter, std::move(queue)});
}

Result<void, std::string> LocalRouting::configure(const Config& config,
                                                  const SocketAddress& broker) {
  // 1. Handlers: keep the unchanged ones, start the new and changed ones.
  std::map<std::string, Handler> next;
  for (const HandlerConfig& hc : config.handlers) {
    const auto old = handlers_.find(hc.name);
    if (old != handlers_.end() && old->second.config == hc) {
      next.emplace(hc.name, old->second);
      continue;
    }
    auto sink = makeSink(hc);
    if (!sink) return fail("handlers." + hc.name + ": " + sink.error());
    auto queue = std::make_shared<HandlerQueue>(hc.name, std::string(toString(hc.type)),
                                                std::move(*sink), hc.queue_length, hc.queue_bytes);
    next.emplace(hc.name, Handler{hc, std::move(queue)});
  }
  // 2. The table.
  std::vector<std::unique_ptr<RouteTable::Route>> routes;
  for (const RouteConfig& rc : config.routes) {
    auto route = std::make_unique<RouteTable::Route>();
    route->filter = rc.filter;
    route->action = rc.action;
    route->on_drop = rc.on_drop;
    route->source = rc.source;
    route->qos = rc.qos;
    if (const auto h = next.find(rc.handler); h != next.end()) route->handler = h->second.queue;
    routes.push_back(std::move(route));
  }
  auto table = std::make_shared<const RouteTable>(std::move(routes), subscriptions_);
  const auto broker_filters = table->brokerFilters();
  router_.set(table);
  // 3. Retire what is no longer used; reopen the files of those kept (log rotation).
  std::vector<std::shared_ptr<HandlerQueue>> retired;
  for (auto& [name, handler] : handlers_) {
    const auto kept = next.find(name);
    if (kept == next.end() || kept->second.queue != handler.queue)
      retired.push_back(handler.queue);
    else
      handler.queue->requestReopen();
  }
  handlers_ = std::move(next);
  retire(std::move(retired));
  // 4. The gateway's own subscription for `source: broker` routes.
  if (!broker_filters.empty() && !broker_subscriber_) {
    broker_subscriber_ = std::make_unique<BrokerSubscriber>(
        loop_, subscriberClientId(), [this](Message message) {
          router_.current()->deliverFromBroker(std::make_shared<const Message>(std::move(message)));
        });
  }
  if (broker_subscriber_) broker_subscriber_->configure(broker, broker_filters);
  if (!config.routes.empty() || !subscriptions_.empty())
    Log::info("routes in force", {{"routes", std::to_string(config.routes.size())},
                                  {"handlers", std::to_string(handlers_.size())},
                                  {"subscriptions", std::to_string(subscriptions_.size())}});
  return {};
}

void LocalRouting::retire(std::vector<std::shared_ptr<HandlerQueue>> queues) {
  for (auto& queue : queues)
    retiring_.emplace_back([queue = std::move(queue)] { queue->stop(HandlerQueue::kDefaultGrace); });
}

void LocalRouting::stopBrokerSubscription() {
  if (broker_subscriber_) broker_subscriber_->configure(SocketAddress(), {});
}

void LocalRouting::appendMetrics(std::string& out) const {
  router_.current()->appendMetrics(out);
  if (!broker_subscriber_) return;
  out += "# HELP mqttd_broker_subscription_up 1 while the gateway's own broker session for "
         "source: broker routes is connected and subscribed.\n";
  out += "# TYPE mqttd_broker_subscription_up gauge\n";
  out += "mqttd_broker_subscription_up " + std::string(broker_subscriber_->connected() ? "1" : "0") +
         "\n";
  out += "# HELP mqttd_broker_subscription_reconnects_total Sessions of that subscription "
         "started again after a loss.\n";
  out += "# TYPE mqttd_broker_subscription_reconnects_total counter\n";
  out += "mqttd_broker_subscription_reconnects_total " +
         std::to_string(broker_subscriber_->reconnects()) + "\n";
}

}  // namespace mqttd
