#include "route/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/log.h"
#include "route/message_json.h"

namespace mqttd {

Result<UniqueFd, std::string> FileSink::openPath(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return fail("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

Result<std::unique_ptr<FileSink>, std::string> FileSink::open(std::string handler,
                                                              std::string path) {
  auto fd = openPath(path);
  if (!fd) return fail(fd.error());
  return std::unique_ptr<FileSink>(
      new FileSink(std::move(handler), std::move(path), std::move(fd).value()));
}

FileSink::FileSink(std::string handler, std::string path, UniqueFd fd)
    : handler_(std::move(handler)), path_(std::move(path)), fd_(std::move(fd)) {}

Result<void, std::string> FileSink::deliver(const Message& message) {
  std::string line = messageToJson(message);
  line += '\n';
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_.get(), line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write " + path_ + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

void FileSink::reopen() {
  auto fd = openPath(path_);
  if (!fd) {
    Log::warn("file handler cannot reopen its file; keeps the old one",
              {{"handler", handler_}, {"error", fd.error()}});
    return;
  }
  fd_ = std::move(fd).value();
}

}  // namespace mqttd
