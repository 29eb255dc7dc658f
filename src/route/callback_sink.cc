#include "route/callback_sink.h"

#include <exception>
#include <utility>

namespace mqttd {

CallbackSink::CallbackSink(MessageHandler handler) : handler_(std::move(handler)) {}

Result<void, std::string> CallbackSink::deliver(const Message& message) {
  if (!handler_) return fail(std::string("no handler function"));
  try {
    handler_(message);
  } catch (const std::exception& e) {
    return fail(std::string(e.what()));
  } catch (...) {
    return fail(std::string("unknown exception"));
  }
  return {};
}

}  // namespace mqttd
