// Log: structured log lines on stdout, as text or JSON lines, filtered by level.
#pragma once

#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mqttd {

enum class LogLevel {
  kTrace,  // every packet; very noisy
  kDebug,  // per-connection detail
  kInfo,   // lifecycle: start, stop, reload, connections
  kWarn,   // something a peer or the network did wrong, handled
  kError,  // something the operator must fix
  kOff,    // nothing at all
};

enum class LogFormat {
  kText,  // "2026-01-02T03:04:05.678Z INFO message key=value"
  kJson,  // one JSON object a line: {"ts":..,"level":..,"msg":..,"key":"value"}
};

std::string_view toString(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view text);
std::string_view toString(LogFormat format);
std::optional<LogFormat> parseLogFormat(std::string_view text);

using LogField = std::pair<std::string_view, std::string>;

class Log {
 public:
  static void configure(LogLevel level, LogFormat format);
  static LogLevel level();
  static bool enabled(LogLevel level);

  static void write(LogLevel level, std::string_view message,
                    std::initializer_list<LogField> fields = {});
  static void trace(std::string_view m, std::initializer_list<LogField> f = {}) {
    if (enabled(LogLevel::kTrace)) write(LogLevel::kTrace, m, f);
  }
  static void debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    if (enabled(LogLevel::kDebug)) write(LogLevel::kDebug, m, f);
  }
  static void info(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kInfo, m, f);
  }
  static void warn(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kWarn, m, f);
  }
  static void error(std::string_view m, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kError, m, f);
  }
};

// Escapes `text` for a JSON string body (no surrounding quotes).
std::string jsonEscape(std::string_view text);

}  // namespace mqttd
