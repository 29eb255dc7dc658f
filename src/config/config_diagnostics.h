// ConfigDiagnostics: collects every ConfigError of one load and remembers where each key was
// written, so that cross-field checks can point at the right line.
#pragma once

#include <map>
#include <string>

#include "config/config_error.h"

namespace mqttd::config {

// A 1-based position in the source text.
struct SourcePosition {
  int line = 1;
  int column = 1;
};

class ConfigDiagnostics {
 public:
  explicit ConfigDiagnostics(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }

  void add(SourcePosition at, std::string key_path, std::string message);
  // Adds an error at the position recorded for `key_path`, or its nearest recorded ancestor
  // ("a.b.c" -> "a.b" -> "a"), or 1:1.
  void addAt(const std::string& key_path, std::string message);

  // Records where `key_path`'s value was written; the first record wins.
  void record(const std::string& key_path, SourcePosition at);
  bool recorded(const std::string& key_path) const { return positions_.count(key_path) != 0; }
  // Whether an error was added for exactly `key_path`: cross-field checks skip rules whose
  // inputs are already reported (a bad `action` is not also "missing its handler").
  bool hasError(const std::string& key_path) const;

  bool empty() const { return errors_.empty(); }
  // The errors sorted by line and column (stable: same-position errors keep their order).
  ConfigErrors take();

 private:
  std::string source_;                               // file name used in every error
  ConfigErrors errors_;                              // in the order found
  std::map<std::string, SourcePosition> positions_;  // key path -> where its value is
};

}  // namespace mqttd::config
