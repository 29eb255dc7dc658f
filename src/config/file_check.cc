#include "config/file_check.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/unique_fd.h"

namespace mqttd::config {

std::string resolveConfigPath(std::string_view path, const std::string& base_dir) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(p, ec);
  return ec ? p.string() : absolute.string();  // no working directory: keep it relative
}

std::optional<std::string> whyUnreadable(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return std::string(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::string(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return std::string(std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode)) return std::string("not a regular file");
  return std::nullopt;
}

}  // namespace mqttd::config
