#include "config/config_error.h"

namespace mqttd {

std::string ConfigError::toString() const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

std::string toString(const ConfigErrors& errors) {
  std::string out;
  for (const ConfigError& e : errors) out += e.toString() + "\n";
  return out;
}

}  // namespace mqttd
