// LocalRouting: the gateway's routes and handlers (docs/routing.md). Builds the RouteTable from
// the config's `handlers` and `routes` plus the subscriptions registered in code, publishes it
// through the Router the workers read, keeps the gateway's own broker subscription (`source:
// broker` routes) in step, and on reload keeps every handler whose config did not change (its
// queue, file, child process and counters) and stops the others. Main thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.h"
#include "core/result.h"
#include "mqttd/config.h"
#include "mqttd/handler.h"
#include "net/socket_address.h"
#include "route/handler_queue.h"
#include "route/router.h"
#include "server/broker_subscriber.h"

namespace mqttd {

class LocalRouting {
 public:
  explicit LocalRouting(EventLoop& loop);
  ~LocalRouting();  // stops every handler, in parallel (each gets HandlerQueue::kDefaultGrace)
  LocalRouting(const LocalRouting&) = delete;
  LocalRouting& operator=(const LocalRouting&) = delete;

  // Before the first configure(): a code subscription (Gateway::subscribe), kept across reloads.
  void subscribe(const std::string& filter, MessageHandler handler, SubscribeOptions options);
  // Start and SIGHUP. All or nothing: a handler that cannot start (a file that cannot be opened,
  // a webhook host that does not resolve) keeps the routes in force and returns why.
  Result<void, std::string> configure(const Config& config, const SocketAddress& broker);
  // Drain: ends the gateway's own broker session with a DISCONNECT while the loop still runs.
  void stopBrokerSubscription();
  // Prometheus text for the routes and handlers.
  void appendMetrics(std::string& out) const;

  Router& router() { return router_; }

 private:
  struct Handler {
    HandlerConfig config;
    std::shared_ptr<HandlerQueue> queue;
  };
  // Stops each of `queues` on its own background thread (joined by the destructor), since
  // HandlerQueue::stop() waits for the queue to empty (up to its grace).
  void retire(std::vector<std::shared_ptr<HandlerQueue>> queues);

  EventLoop& loop_;
  Router router_;
  std::map<std::string, Handler> handlers_;  // the config's handlers in force, by name
  std::vector<RouteTable::Subscription> subscriptions_;  // from subscribe()
  std::unique_ptr<BrokerSubscriber> broker_subscriber_;  // created with the first broker route
  std::vector<std::thread> retiring_;                    // stopping retired handler queues
};

}  // namespace mqttd
