// UpstreamProbe: checks every `interval` that the broker accepts TCP connections, for /readyz.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/event_loop.h"
#include "net/socket_address.h"
#include "splice/upstream_connection.h"

namespace mqttd {

class UpstreamProbe final : private UpstreamConnection::Observer {
 public:
  UpstreamProbe(EventLoop& loop, SocketAddress broker, std::chrono::milliseconds interval,
                std::chrono::milliseconds timeout);
  UpstreamProbe(const UpstreamProbe&) = delete;
  UpstreamProbe& operator=(const UpstreamProbe&) = delete;

  // Probes now, then every interval.
  void start();
  // New settings (SIGHUP); the next probe uses them.
  void reconfigure(SocketAddress broker, std::chrono::milliseconds interval,
                   std::chrono::milliseconds timeout);

  bool reachable() const { return reachable_; }
  // "reachable", "never probed", or the last failure.
  const std::string& status() const { return status_; }

 private:
  void probe();
  void onUpstreamConnected() override;
  void onUpstreamReadable() override {}
  void onUpstreamWritable() override {}
  void onUpstreamFailed(UpstreamError error, const std::string& detail) override;
  void conclude(bool ok, std::string status);

  EventLoop& loop_;
  SocketAddress broker_;
  std::chrono::milliseconds interval_;  // between probes
  std::chrono::milliseconds timeout_;   // connect timeout of one probe
  Timer timer_;
  std::unique_ptr<UpstreamConnection> attempt_;  // the probe in flight, if any
  std::unique_ptr<UpstreamConnection> finished_;  // the last attempt, freed on the next probe
  bool reachable_ = false;
  std::string status_ = "never probed";
};

}  // namespace mqttd
