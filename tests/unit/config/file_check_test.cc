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

TEST(FileCheckTest, SaysWhyAFileCannotBeWritten) {
  std::string dir = testing::TempDir() + "file_check_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string file = dir + "/out.jsonl";
  EXPECT_EQ(whyUnwritable(file), std::nullopt);  // missing: created in a writable directory
  std::ofstream(file) << "x";
  EXPECT_EQ(whyUnwritable(file), std::nullopt);
  EXPECT_EQ(whyUnwritable(dir), "Is a directory");
  EXPECT_EQ(whyUnwritable(dir + "/none/out.jsonl"),
            "directory '" + dir + "/none': No such file or directory");
  EXPECT_EQ(whyUnwritable(file + "/x"), "Not a directory");
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(whyUnwritable(fifo), "not a regular file");
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(file.c_str(), 0444), 0);
    EXPECT_EQ(whyUnwritable(file), "Permission denied");
    ASSERT_EQ(::chmod(dir.c_str(), 0555), 0);
    EXPECT_EQ(whyUnwritable(dir + "/new"),
              "cannot create it in directory '" + dir + "': Permission denied");
    ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(FileCheckTest, SaysWhyAFileCannotBeRun) {
  std::string dir = testing::TempDir() + "file_check_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string program = dir + "/prog";
  std::ofstream(program) << "#!/bin/sh\n";
  EXPECT_EQ(whyNotExecutable(program), "Permission denied");  // 0644: even root needs an x bit
  ASSERT_EQ(::chmod(program.c_str(), 0755), 0);
  EXPECT_EQ(whyNotExecutable(program), std::nullopt);
  EXPECT_EQ(whyNotExecutable(dir), "Is a directory");
  EXPECT_EQ(whyNotExecutable(dir + "/none"), "No such file or directory");
  std::filesystem::remove_all(dir);
}

TEST(FileCheckTest, FindsProgramsInTheSearchPath) {
  std::string dir = testing::TempDir() + "file_check_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::filesystem::create_directories(dir + "/a");
  std::filesystem::create_directories(dir + "/b");
  std::ofstream(dir + "/a/prog") << "not executable\n";
  std::ofstream(dir + "/b/prog") << "#!/bin/sh\n";
  ASSERT_EQ(::chmod((dir + "/b/prog").c_str(), 0755), 0);
  EXPECT_EQ(findInSearchPath("prog", dir + "/a:" + dir + "/b"), dir + "/b/prog");  // skips a/
  EXPECT_EQ(findInSearchPath("prog", dir + "/a"), std::nullopt);
  EXPECT_EQ(findInSearchPath("none", dir + "/b::/nonexistent"), std::nullopt);
  EXPECT_EQ(findInSearchPath("sh", kDefaultSearchPath).has_value(), true);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mqttd::config
