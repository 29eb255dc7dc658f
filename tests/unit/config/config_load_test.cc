// Config::load(): ConfigLoader::loadFile for embedders, errors as ConfigLoadError.
#include <gtest/gtest.h>

#include <string>

#include "mqttd/config.h"
#include "../scratch_dir.h"

namespace mqttd {
namespace {

using test::ScratchDir;

TEST(ConfigLoadTest, ReturnsTheConfig) {
  ScratchDir dir;
  const std::string path = dir.write("gw.yaml",
                                     "upstream: {address: 127.0.0.1:1883}\n"
                                     "listeners: {tcp: {address: 127.0.0.1:0}}\n"
                                     "handlers: {console: {type: log}}\n"
                                     "routes: [{filter: a/#, action: tap, handler: console}]\n");
  const Config c = Config::load(path);
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.upstream.address, "127.0.0.1:1883");
  ASSERT_EQ(c.handlers.size(), 1u);
  EXPECT_EQ(c.handlers[0].name, "console");
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].handler, "console");
}

TEST(ConfigLoadTest, ThrowsEveryErrorOnePerLine) {
  ScratchDir dir;
  const std::string path = dir.write("gw.yaml",
                                     "upstream: {address: 127.0.0.1:1883}\n"
                                     "listeners: {tcp: {address: 127.0.0.1:0}}\n"
                                     "routes:\n"
                                     "  - {filter: a/#, action: tap, handler: audit}\n"
                                     "drain_timeout: 30\n");
  try {
    (void)Config::load(path);
    ADD_FAILURE() << "no exception";
  } catch (const ConfigLoadError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ":4:41: routes[0].handler: unknown handler 'audit' (no handlers are "
                  "defined; add one under handlers)\n" +
                  path +
                  ":5:16: drain_timeout: duration '30' has no unit; write e.g. 30s or "
                  "30ms (units: us, ms, s, m, h)");
  }
}

TEST(ConfigLoadTest, MissingFileThrows) {
  try {
    (void)Config::load("/nonexistent/gw.yaml");
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {  // ConfigLoadError is one
    EXPECT_STREQ(e.what(), "/nonexistent/gw.yaml:1:1: cannot read file: No such file or directory");
  }
}

}  // namespace
}  // namespace mqttd
