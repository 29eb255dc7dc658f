// HandlerSink: where one handler's messages go (log, file, webhook, exec, C++ callback).
// Called only on its HandlerQueue's thread, one message at a time: a sink may block (a webhook
// waits for its answer) without slowing any worker.
#pragma once

#include <string>

#include "core/result.h"
#include "mqttd/message.h"

namespace mqttd {

class HandlerSink {
 public:
  virtual ~HandlerSink() = default;

  // Hands one message on. An error (after the sink's own retries) is logged and counted by the
  // queue; the message is then given up, the next one is tried.
  [[nodiscard]] virtual Result<void, std::string> deliver(const Message& message) = 0;
  // SIGHUP: reopen what can be rotated (the file handler's file); called between deliveries.
  virtual void reopen() {}
  // From another thread, when the queue is stopping and its grace has passed: make a delivery
  // in progress (and any later one) give up soon, with an error. Thread-safe. A sink whose
  // deliveries are short anyway need not implement it.
  virtual void cancel() {}
};

}  // namespace mqttd
