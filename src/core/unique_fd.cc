#include "core/unique_fd.h"

#include <unistd.h>

namespace mqttd {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) (void)::close(fd_);
  fd_ = fd;
}

}  // namespace mqttd
