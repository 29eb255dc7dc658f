// Files named in the config (TLS certificate and key, file handlers, exec handler programs): where
// they are, and whether the gateway can use them, checked when the config is loaded rather than
// when a listener or handler starts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqttd::config {

// `path` made absolute: a relative path is taken relative to `base_dir` (the config file's
// directory), and a relative `base_dir` (or an empty one) relative to the working directory.
// Not normalised and symlinks are not followed: "../tls/x.pem" stays as written after the base.
std::string resolveConfigPath(std::string_view path, const std::string& base_dir);

// Nothing when `path` is a regular file this process can open for reading; otherwise why not, in
// words for a config error: the system's reason ("No such file or directory", "Permission
// denied", "Is a directory") or "not a regular file". Opens the file without blocking (a FIFO
// does not hang the load) and closes it again; reads nothing.
std::optional<std::string> whyUnreadable(const std::string& path);

// Nothing when the gateway can append to `path`: an existing regular file it may write, or a
// missing one whose directory exists and is writable (the file is created when it is opened).
// Otherwise why not, as for whyUnreadable(): "Permission denied", "Is a directory", "not a
// regular file", or "directory '/var/log/mqttd': No such file or directory".
std::optional<std::string> whyUnwritable(const std::string& path);

// Nothing when `path` is a regular file this process may execute; otherwise why not, as for
// whyUnreadable().
std::optional<std::string> whyNotExecutable(const std::string& path);

// The search path execvp(3) uses when PATH is not set.
inline constexpr std::string_view kDefaultSearchPath = "/bin:/usr/bin";

// Where execvp(3) would find the program `name` (which has no '/'): the first executable regular
// file `<dir>/<name>` for the ':'-separated directories of `search_path`, an empty entry being
// the working directory; or nothing.
std::optional<std::string> findInSearchPath(std::string_view name, std::string_view search_path);

}  // namespace mqttd::config
