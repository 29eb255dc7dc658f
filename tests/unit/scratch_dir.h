// ScratchDir: a fresh directory under the test temp dir, removed with its contents; for unit
// tests that need real files (config files, certificates, handler outputs, programs).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace mqttd::test {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = testing::TempDir() + "mqttd_unit_XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` in the directory (nothing is created).
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `text` to `relative` (creating directories on the way); returns the file's path.
  std::string write(const std::string& relative, std::string_view text) const {
    const std::filesystem::path file = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }
  // As write(), then makes the file executable (mode 0755).
  std::string writeExecutable(const std::string& relative, std::string_view text) const {
    const std::string file = write(relative, text);
    EXPECT_EQ(::chmod(file.c_str(), 0755), 0) << file;
    return file;
  }

 private:
  std::string path_;
};

}  // namespace mqttd::test
