#include "config/config_error.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(ConfigErrorTest, ToStringWithKeyPath) {
  const ConfigError e{"gw.yaml", 5, 5, "listeners.tcp.adress",
                      "unknown key (did you mean 'address'?)"};
  EXPECT_EQ(e.toString(),
            "gw.yaml:5:5: listeners.tcp.adress: unknown key (did you mean 'address'?)");
}

TEST(ConfigErrorTest, ToStringWithoutKeyPath) {
  const ConfigError e{"gw.yaml", 3, 2, "", "invalid YAML: end of map not found"};
  EXPECT_EQ(e.toString(), "gw.yaml:3:2: invalid YAML: end of map not found");
}

TEST(ConfigErrorTest, ListIsOneLineEach) {
  const ConfigErrors errors{{"a.yaml", 1, 1, "x", "bad"}, {"a.yaml", 2, 3, "", "worse"}};
  EXPECT_EQ(toString(errors), "a.yaml:1:1: x: bad\na.yaml:2:3: worse\n");
  EXPECT_EQ(toString(ConfigErrors{}), "");
}

}  // namespace
}  // namespace mqttd
