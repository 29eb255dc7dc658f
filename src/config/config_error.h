// ConfigError: one problem in a config file, positioned like a compiler diagnostic.
#pragma once

#include <string>
#include <vector>

namespace mqttd {

struct ConfigError {
  std::string file;      // source name: the path given to loadFile, or loadString's source_name
  int line = 1;          // 1-based line of the offending key or value
  int column = 1;        // 1-based column of the offending key or value
  std::string key_path;  // dotted key path, e.g. "listeners.tcp.address"; empty for file/syntax
  std::string message;   // what is wrong and, where possible, how to fix it

  // "gw.yaml:5:5: listeners.tcp.adress: unknown key (did you mean 'address'?)"; without a key
  // path: "gw.yaml:3:2: invalid YAML: end of map not found".
  std::string toString() const;

  bool operator==(const ConfigError&) const = default;
};

// Every error found in one pass, ordered by position in the file.
using ConfigErrors = std::vector<ConfigError>;

// One ConfigError::toString() per line, each ending in '\n'.
std::string toString(const ConfigErrors& errors);

}  // namespace mqttd
