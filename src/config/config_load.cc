// Config::load(), declared in the public include/mqttd/config.h: ConfigLoader for embedders, who
// get the errors as an exception.
#include "config/config_error.h"
#include "config/config_loader.h"
#include "mqttd/config.h"

namespace mqttd {

Config Config::load(const std::string& path) {
  auto loaded = ConfigLoader::loadFile(path);
  if (!loaded.ok()) {
    std::string what = toString(loaded.error());
    if (!what.empty() && what.back() == '\n') what.pop_back();  // one per line, none trailing
    throw ConfigLoadError(what);
  }
  return std::move(loaded).value();
}

}  // namespace mqttd
