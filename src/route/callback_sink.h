// CallbackSink: hands each message to a C++ MessageHandler (Gateway::subscribe()).
#pragma once

#include <string>

#include "mqttd/handler.h"
#include "route/handler_sink.h"

namespace mqttd {

class CallbackSink : public HandlerSink {
 public:
  explicit CallbackSink(MessageHandler handler);

  // An exception the handler throws is caught here (the embedder's code is a library boundary)
  // and returned as the error: its what(), or "unknown exception".
  Result<void, std::string> deliver(const Message& message) override;

 private:
  MessageHandler handler_;
};

}  // namespace mqttd
