// The HandlerSink for a `handlers.<name>` entry of the config.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "mqttd/config.h"
#include "route/handler_sink.h"

namespace mqttd {

// Fails (with a reason naming the handler) when the sink cannot start: a file that cannot be
// opened for appending, a webhook host that does not resolve. An exec child that fails to start
// is not an error here: it is retried with backoff while messages come.
Result<std::unique_ptr<HandlerSink>, std::string> makeSink(const HandlerConfig& config);

}  // namespace mqttd
