#include "config/file_check.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mqttd::config {
namespace {

TEST(FileCheckTest, ResolvesRelativePathsAgainstBaseDir) {
  EXPECT_EQ(resolveConfigPath("tls/dev.crt", "/etc/mqttd"), "/etc/mqttd/tls/dev.crt");
  EXPECT_EQ(resolveConfigPath("../dev.key", "/etc/mqttd"), "/etc/mqttd/../dev.key");
  EXPECT_EQ(resolveConfigPath("/abs/dev.crt", "/etc/mqttd"), "/abs/dev.crt");
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(resolveConfigPath("dev.crt", ""), cwd + "/dev.crt");
  EXPECT_EQ(resolveConfigPath("dev.crt", "conf"), cwd + "/conf/dev.crt");
}

TEST(FileCheckTest, SaysWhyAFileCannotBeRead) {
  std::string dir = testing::TempDir() + "file_check_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string file = dir + "/f.pem";
  std::ofstream(file) << "x";
  EXPECT_EQ(whyUnreadable(file), std::nullopt);
  EXPECT_EQ(whyUnreadable(dir + "/none.pem"), "No such file or directory");
  EXPECT_EQ(whyUnreadable(dir), "Is a directory");
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(whyUnreadable(fifo), "not a regular file");  // and does not block
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(file.c_str(), 0), 0);
    EXPECT_EQ(whyUnreadable(file), "Permission denied");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mqttd::config
