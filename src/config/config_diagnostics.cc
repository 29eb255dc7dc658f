#include "config/config_diagnostics.h"

#include <algorithm>
#include <tuple>

namespace mqttd::config {

void ConfigDiagnostics::add(SourcePosition at, std::string key_path, std::string message) {
  errors_.push_back(
      ConfigError{source_, at.line, at.column, std::move(key_path), std::move(message)});
}

void ConfigDiagnostics::addAt(const std::string& key_path, std::string message) {
  std::string path = key_path;
  while (!path.empty()) {
    const auto it = positions_.find(path);
    if (it != positions_.end()) return add(it->second, key_path, std::move(message));
    const size_t dot = path.rfind('.');
    path = dot == std::string::npos ? std::string() : path.substr(0, dot);
  }
  add(SourcePosition{}, key_path, std::move(message));
}

void ConfigDiagnostics::record(const std::string& key_path, SourcePosition at) {
  positions_.emplace(key_path, at);
}

bool ConfigDiagnostics::hasError(const std::string& key_path) const {
  return std::any_of(errors_.begin(), errors_.end(),
                     [&](const ConfigError& e) { return e.key_path == key_path; });
}

ConfigErrors ConfigDiagnostics::take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(errors_);
}

}  // namespace mqttd::config
