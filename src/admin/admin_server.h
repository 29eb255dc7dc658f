// AdminServer: the HTTP admin endpoints (/healthz /readyz /metrics /connections) on evhttp.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "net/socket_address.h"

struct evhttp;
struct evhttp_request;

namespace mqttd {

class EventLoop;

class AdminServer {
 public:
  struct Handlers {
    // true when ready; `why` explains the answer either way (e.g. "upstream unreachable").
    std::function<bool(std::string& why)> ready;
    std::function<std::string()> metrics;      // Prometheus text exposition
    std::function<std::string()> connections;  // JSON array
  };

  static Result<std::unique_ptr<AdminServer>, std::string> open(EventLoop& loop,
                                                                const SocketAddress& address,
                                                                Handlers handlers);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  const SocketAddress& address() const { return bound_; }

 private:
  explicit AdminServer(Handlers handlers) : handlers_(std::move(handlers)) {}
  static void requestTrampoline(evhttp_request* req, void* arg);
  void handle(evhttp_request* req);

  evhttp* http_ = nullptr;
  Handlers handlers_;
  SocketAddress bound_;
};

}  // namespace mqttd
