#include "route/sink_factory.h"

#include "route/exec_sink.h"
#include "route/file_sink.h"
#include "route/log_sink.h"
#include "route/webhook_sink.h"

namespace mqttd {

Result<std::unique_ptr<HandlerSink>, std::string> makeSink(const HandlerConfig& config) {
  const std::string who = "handler '" + config.name + "': ";
  switch (config.type) {
    case HandlerType::kLog: return std::unique_ptr<HandlerSink>(new LogSink(config.name));
    case HandlerType::kFile: {
      auto sink = FileSink::open(config.name, config.path);
      if (!sink) return fail(who + sink.error());
      return std::unique_ptr<HandlerSink>(std::move(sink).value());
    }
    case HandlerType::kWebhook: {
      auto sink = WebhookSink::create(config);
      if (!sink) return fail(who + sink.error());
      return std::unique_ptr<HandlerSink>(std::move(sink).value());
    }
    case HandlerType::kExec:
      if (config.command.empty()) return fail(who + "exec needs a command");
      return std::unique_ptr<HandlerSink>(new ExecSink(config.name, config.command));
  }
  return fail(who + "unknown handler type");
}

}  // namespace mqttd
