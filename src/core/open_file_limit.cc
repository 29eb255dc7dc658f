#include "core/open_file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace mqttd {

namespace {

uint64_t fromRlim(rlim_t value) { return value == RLIM_INFINITY ? UINT64_MAX : value; }

// setrlimit refuses RLIM_INFINITY and anything above fs.nr_open for RLIMIT_NOFILE.
rlim_t kernelMaximum() {
  std::ifstream in("/proc/sys/fs/nr_open");
  rlim_t value = 0;
  if (in >> value && value > 0) return value;
  return 1048576;  // the kernel's default nr_open
}

}  // namespace

OpenFileLimit OpenFileLimit::raiseToHard() {
  OpenFileLimit result;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = std::string("getrlimit: ") + std::strerror(errno);
    return result;
  }
  result.before = result.soft = fromRlim(limit.rlim_cur);
  result.hard = fromRlim(limit.rlim_max);
  rlim_t target = limit.rlim_max == RLIM_INFINITY ? kernelMaximum() : limit.rlim_max;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= target) return result;
  rlimit raised{target, limit.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    result.error = std::string("setrlimit: ") + std::strerror(errno);
    return result;
  }
  result.soft = fromRlim(target);
  return result;
}

}  // namespace mqttd
