#include "route/log_sink.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/log.h"
#include "route/message_json.h"

namespace mqttd {

LogSink::LogSink(std::string handler) : handler_(std::move(handler)) {}

Result<void, std::string> LogSink::deliver(const Message& message) {
  const std::string_view payload = message.payload;
  const bool text = isWellFormedUtf8(payload);
  std::string preview;
  if (text) {
    // Cut at a character boundary: back off over UTF-8 continuation bytes (10xxxxxx).
    size_t n = std::min(payload.size(), kPreviewBytes);
    while (n < payload.size() && n > 0 && (static_cast<uint8_t>(payload[n]) & 0xC0) == 0x80) --n;
    preview.assign(payload.substr(0, n));
  } else {
    preview = base64Encode(payload.substr(0, std::min(payload.size(), kPreviewBytes)));
  }
  Log::info("message", {{"handler", handler_},
                        {"topic", message.topic},
                        {"qos", std::to_string(message.qos)},
                        {"retain", message.retain ? "true" : "false"},
                        {"client_id", message.client_id},
                        {"transport", message.transport},
                        {"peer", message.peer},
                        {"connection_id", message.connection_id},
                        {"bytes", std::to_string(message.payload.size())},
                        {"payload", std::move(preview)},
                        {"encoding", text ? "utf8" : "base64"}});
  return {};
}

}  // namespace mqttd
