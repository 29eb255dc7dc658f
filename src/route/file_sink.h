// FileSink: the `file` handler; appends one JSON line (messageToJson) per message to a file.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "core/unique_fd.h"
#include "route/handler_sink.h"

namespace mqttd {

class FileSink : public HandlerSink {
 public:
  // Opens `path` for appending (created 0640 if missing). Error: "cannot open <path>: <strerror>".
  static Result<std::unique_ptr<FileSink>, std::string> open(std::string handler, std::string path);

  // One write(2) of the line (more only after a partial write or EINTR).
  Result<void, std::string> deliver(const Message& message) override;
  // Log rotation: opens `path` again, so lines go to the file now at that path (after
  // `mv file file.1`, a new file). When that fails, keeps writing to the old one and logs it.
  void reopen() override;

  const std::string& path() const { return path_; }

 private:
  FileSink(std::string handler, std::string path, UniqueFd fd);
  static Result<UniqueFd, std::string> openPath(const std::string& path);

  const std::string handler_;  // the handler's name, for logs
  const std::string path_;
  UniqueFd fd_;  // O_WRONLY|O_APPEND
};

}  // namespace mqttd
