#include "config/file_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

std::optional<std::string> whyUnwritable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return std::string(std::strerror(EISDIR));
    if (!S_ISREG(st.st_mode)) return std::string("not a regular file");
    if (::access(path.c_str(), W_OK) != 0) return std::string(std::strerror(errno));
    return std::nullopt;
  }
  if (errno != ENOENT) return std::string(std::strerror(errno));
  // Missing: it is created in its directory, which must exist and let us add entries.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (::stat(dir.c_str(), &st) != 0)
    return "directory '" + dir + "': " + std::string(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return "'" + dir + "' is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "cannot create it in directory '" + dir + "': " + std::string(std::strerror(errno));
  return std::nullopt;
}

std::optional<std::string> whyNotExecutable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::string(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return std::string(std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode)) return std::string("not a regular file");
  if (::access(path.c_str(), X_OK) != 0) return std::string(std::strerror(errno));
  return std::nullopt;
}

std::optional<std::string> findInSearchPath(std::string_view name, std::string_view search_path) {
  for (;;) {
    const size_t colon = search_path.find(':');
    const std::string_view dir = search_path.substr(0, colon);
    const std::string candidate =
        (dir.empty() ? std::string(".") : std::string(dir)) + "/" + std::string(name);
    if (!whyNotExecutable(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    search_path.remove_prefix(colon + 1);
  }
}

}  // namespace mqttd::config
