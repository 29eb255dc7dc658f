#include "route/route_table.h"

#include <algorithm>

#include "config/config_enums.h"
#include "core/log.h"
#include "mqtt/topic.h"

namespace mqttd {

RouteTable::RouteTable(std::vector<std::unique_ptr<Route>> routes,
                       std::vector<Subscription> subscriptions)
    : routes_(std::move(routes)), subscriptions_(std::move(subscriptions)) {
  client_routes_ = static_cast<size_t>(std::count_if(
      routes_.begin(), routes_.end(),
      [](const auto& r) { return r->source == RouteSource::kClients; }));
}

RouteTable::Decision RouteTable::decide(std::string_view topic) const {
  Decision decision;
  for (const auto& route : routes_) {
    if (route->source != RouteSource::kClients || !mqtt::topicMatches(route->filter, topic))
      continue;
    route->matched.fetch_add(1, std::memory_order_relaxed);
    decision.action = route->action;
    decision.on_drop = route->on_drop;
    decision.route = route.get();
    break;
  }
  if (decision.action == RouteAction::kDrop) return decision;
  decision.capture = decision.route != nullptr && decision.route->handler != nullptr;
  for (size_t i = 0; i < subscriptions_.size() && !decision.capture; ++i)
    decision.capture = mqtt::topicMatches(subscriptions_[i].filter, topic);
  return decision;
}

void RouteTable::deliver(const Decision& decision, std::shared_ptr<const Message> message) const {
  if (decision.action == RouteAction::kDrop) return;
  if (decision.route != nullptr && decision.route->handler) decision.route->handler->offer(message);
  for (const Subscription& s : subscriptions_)
    if (mqtt::topicMatches(s.filter, message->topic)) s.handler->offer(message);
}

void RouteTable::deliverFromBroker(std::shared_ptr<const Message> message) const {
  for (const auto& route : routes_) {
    if (route->source != RouteSource::kBroker || !mqtt::topicMatches(route->filter, message->topic))
      continue;
    route->matched.fetch_add(1, std::memory_order_relaxed);
    if (route->handler) route->handler->offer(std::move(message));
    return;
  }
}

std::vector<std::pair<std::string, uint8_t>> RouteTable::brokerFilters() const {
  std::vector<std::pair<std::string, uint8_t>> out;
  for (const auto& route : routes_)
    if (route->source == RouteSource::kBroker) out.emplace_back(route->filter, route->qos);
  return out;
}

std::vector<std::shared_ptr<HandlerQueue>> RouteTable::handlers() const {
  std::vector<std::shared_ptr<HandlerQueue>> out;
  const auto add = [&](const std::shared_ptr<HandlerQueue>& h) {
    if (h && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  };
  for (const auto& route : routes_) add(route->handler);
  for (const Subscription& s : subscriptions_) add(s.handler);
  return out;
}

void RouteTable::appendMetrics(std::string& out) const {
  out += "# HELP mqttd_route_matched_total Messages a route decided (client PUBLISHes, or broker "
         "messages for source: broker), by route.\n";
  out += "# TYPE mqttd_route_matched_total counter\n";
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = *routes_[i];
    out += "mqttd_route_matched_total{route=\"" + std::to_string(i) + "\",filter=\"" +
           jsonEscape(r.filter) + "\",action=\"" + std::string(toString(r.action)) +
           "\",source=\"" + std::string(toString(r.source)) + "\"} " +
           std::to_string(r.matched.load(std::memory_order_relaxed)) + "\n";
  }
  const auto handlers = this->handlers();
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*value)(const HandlerQueue&);
  };
  static const Series kSeries[] = {
      {"mqttd_handler_delivered_total", "counter", "Messages a handler delivered.",
       [](const HandlerQueue& h) { return h.delivered(); }},
      {"mqttd_handler_dropped_total", "counter",
       "Messages dropped for a handler (its queue was full, or it stopped).",
       [](const HandlerQueue& h) { return h.dropped(); }},
      {"mqttd_handler_errors_total", "counter",
       "Messages a handler failed to deliver (after its retries).",
       [](const HandlerQueue& h) { return h.errors(); }},
      {"mqttd_handler_queue_depth", "gauge", "Messages waiting in a handler's queue.",
       [](const HandlerQueue& h) { return static_cast<uint64_t>(h.depth()); }},
  };
  for (const Series& s : kSeries) {
    out += std::string("# HELP ") + s.name + " " + s.help + "\n";
    out += std::string("# TYPE ") + s.name + " " + s.type + "\n";
    for (const auto& h : handlers)
      out += std::string(s.name) + "{handler=\"" + jsonEscape(h->name()) + "\",type=\"" +
             h->type() + "\"} " + std::to_string(s.value(*h)) + "\n";
  }
}

}  // namespace mqttd
