// RouteTable: the routes and code subscriptions in force, immutable once built (a SIGHUP builds
// a new one; Router hands it out). Decides what happens to a client PUBLISH by its topic and
// hands copies of messages to handler queues. Thread-safe (const; counters are atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mqttd/config.h"
#include "mqttd/handler.h"
#include "mqttd/message.h"
#include "route/handler_queue.h"

namespace mqttd {

class RouteTable {
 public:
  struct Route {
    std::string filter;
    RouteAction action = RouteAction::kForward;
    DropPolicy on_drop = DropPolicy::kIgnore;
    RouteSource source = RouteSource::kClients;
    uint8_t qos = 1;                         // source: broker subscription QoS
    std::shared_ptr<HandlerQueue> handler;   // tap and local; null for forward and drop
    std::atomic<uint64_t> matched{0};        // PUBLISHes (or broker messages) it decided
  };
  // Gateway::subscribe(): sees every client message it matches that is not dropped.
  struct Subscription {
    std::string filter;
    std::shared_ptr<HandlerQueue> handler;
  };
  // What to do with one PUBLISH.
  struct Decision {
    RouteAction action = RouteAction::kForward;
    DropPolicy on_drop = DropPolicy::kIgnore;
    const Route* route = nullptr;  // the route that decided; null: no route matched
    // Someone wants the message (the route's handler or a subscription): the payload must be
    // copied and deliver() called when it is complete.
    bool capture = false;
  };

  RouteTable() = default;  // no routes: everything is forwarded
  RouteTable(std::vector<std::unique_ptr<Route>> routes, std::vector<Subscription> subscriptions);
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // No client-side route and no subscription: nothing to decide (the fast path).
  bool passThrough() const { return client_routes_ == 0 && subscriptions_.empty(); }
  // Client routes in order; the first match decides. Counts the route's `matched`.
  Decision decide(std::string_view topic) const;
  // The message is complete: copies go to the deciding route's handler (tap, local) and to every
  // matching subscription (unless dropped).
  void deliver(const Decision& decision, std::shared_ptr<const Message> message) const;
  // A message from the gateway's own broker subscription: to the first `source: broker` route
  // that matches, if any (counted).
  void deliverFromBroker(std::shared_ptr<const Message> message) const;

  // `source: broker` routes' (filter, qos), for the broker subscription.
  std::vector<std::pair<std::string, uint8_t>> brokerFilters() const;
  // Every distinct handler queue (routes' and subscriptions').
  std::vector<std::shared_ptr<HandlerQueue>> handlers() const;
  // Prometheus text: mqttd_route_matched_total{route="0",filter="a/#",action="tap"} and the
  // handler series mqttd_handler_{delivered,dropped,errors}_total, mqttd_handler_queue_depth.
  void appendMetrics(std::string& out) const;

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<Subscription> subscriptions_;
  size_t client_routes_ = 0;  // routes_ with source: clients
};

}  // namespace mqttd
