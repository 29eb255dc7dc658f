// LogSink: the `log` handler; one structured log line (Log::info "message") per message.
#pragma once

#include <string>

#include "route/handler_sink.h"

namespace mqttd {

class LogSink : public HandlerSink {
 public:
  explicit LogSink(std::string handler);

  // Fields: handler, topic, qos, retain, client_id, transport, peer, connection_id, bytes (the
  // whole payload's size), payload (a preview: at most kPreviewBytes, as text when the payload
  // is UTF-8, else base64 of its first kPreviewBytes bytes) and encoding ("utf8" or "base64").
  Result<void, std::string> deliver(const Message& message) override;

  static constexpr size_t kPreviewBytes = 256;  // payload bytes shown, at most

 private:
  const std::string handler_;  // the handler's name
};

}  // namespace mqttd
