// The JSON form of a Message (docs/routing.md §JSON), one line, no trailing newline:
// {"topic":"a/b","payload":"21.5","encoding":"utf8","qos":1,"retain":false,"client_id":"c1",
//  "username":"u","transport":"quic","peer":"127.0.0.1:5000","connection_id":"1f",
//  "timestamp":"2026-11-26T03:04:05.123456Z"}
// payload is the text itself when it is valid UTF-8 (MQTT's rules, mqtt/utf8.h, but U+0000
// allowed and escaped), else base64 (RFC 4648) with "encoding":"base64".
#pragma once

#include <string>
#include <string_view>

#include "mqttd/message.h"

namespace mqttd {

std::string messageToJson(const Message& message);

// Helpers shared with LogSink's payload preview.
// Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF); unlike mqtt::isValidMqttUtf8,
// U+0000 is allowed.
bool isWellFormedUtf8(std::string_view text);
// RFC 4648 §4 base64 with padding, no line breaks.
std::string base64Encode(std::string_view bytes);

}  // namespace mqttd
