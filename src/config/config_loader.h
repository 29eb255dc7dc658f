// ConfigLoader: reads gw.yaml into a validated mqttd::Config, or reports every problem at once.
#pragma once

#include <string>
#include <string_view>

#include "config/config_error.h"
#include "core/result.h"
#include "mqttd/config.h"

namespace mqttd {

class ConfigLoader {
 public:
  // Reads and validates the file at `path`; errors name `path` as given. A file that cannot be
  // read gives one error at 1:1 with the system's reason. Files the config names (the QUIC
  // cert and key) must be readable now; relative ones are relative to the file's directory.
  static Result<Config, ConfigErrors> loadFile(const std::string& path);
  // Parses `yaml` as if read from a file named `source_name` (used in errors and Config::source,
  // and its directory for relative file paths: none, as in "gw.yaml", is the working directory).
  static Result<Config, ConfigErrors> loadString(std::string_view yaml, std::string source_name);
};

}  // namespace mqttd
