#include "splice/upstream_probe.h"

#include "core/log.h"

namespace mqttd {

UpstreamProbe::UpstreamProbe(EventLoop& loop, SocketAddress broker,
                             std::chrono::milliseconds interval, std::chrono::milliseconds timeout)
    : loop_(loop),
      broker_(broker),
      interval_(interval),
      timeout_(timeout),
      timer_(loop, [this] { probe(); }) {}

void UpstreamProbe::start() { probe(); }

void UpstreamProbe::reconfigure(SocketAddress broker, std::chrono::milliseconds interval,
                                std::chrono::milliseconds timeout) {
  broker_ = broker;
  interval_ = interval;
  timeout_ = timeout;
  timer_.start(std::chrono::milliseconds(0));
}

void UpstreamProbe::probe() {
  finished_.reset();
  if (attempt_) return;  // still waiting for the previous one (bounded by its timeout)
  UpstreamConnection::Observer& observer = *this;
  attempt_ = std::make_unique<UpstreamConnection>(loop_, observer, 0, 0);
  attempt_->connect(broker_, timeout_);
}

void UpstreamProbe::onUpstreamConnected() { conclude(true, "reachable"); }

void UpstreamProbe::onUpstreamFailed(UpstreamError error, const std::string& detail) {
  conclude(false, "upstream " + broker_.toString() + " unreachable: " +
                      std::string(toString(error)) + " (" + detail + ")");
}

void UpstreamProbe::conclude(bool ok, std::string status) {
  if (ok != reachable_ || status != status_) {
    if (ok)
      Log::info("broker reachable", {{"broker", broker_.toString()}});
    else
      Log::warn("broker unreachable", {{"broker", broker_.toString()}, {"status", status}});
  }
  reachable_ = ok;
  status_ = std::move(status);
  attempt_->close();
  // We are inside the attempt's callback: keep it alive until the next probe.
  finished_ = std::move(attempt_);
  timer_.start(interval_);
}

}  // namespace mqttd
