// mqttd::MessageHandler: code that Gateway::subscribe() runs for each matching message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "mqttd/message.h"

namespace mqttd {

// Runs on the subscription's own handler thread, never on a worker's event loop, one message at
// a time in arrival order. An exception it throws is caught, logged and counted as an error.
using MessageHandler = std::function<void(const Message&)>;

struct SubscribeOptions {
  // Messages waiting for the handler; when full, new ones are dropped for this handler (never
  // from the data path) and counted in mqttd_handler_dropped_total.
  uint32_t queue_length = 1024;
  uint32_t queue_bytes = 16u * 1024 * 1024;  // payload bytes waiting, likewise
};

}  // namespace mqttd
