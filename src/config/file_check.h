// Files named in the config (TLS certificate and key): where they are, and whether the gateway
// can read them, checked when the config is loaded rather than when a listener starts.
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

}  // namespace mqttd::config
