// udp-impair: a user-space UDP impairment relay (loss, duplication, reordering, delay, jitter,
// NAT rebinding) for tests on machines without tc/netem. See kUsage in impair_options.cc.
#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "impair_options.h"
#include "impair_relay.h"
#include "core/unique_fd.h"

namespace udp_impair {
namespace {

// Writes `text` to `path` through a temporary file and rename(), so a reader polling for the
// file never sees it half written.
bool writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

int run(int argc, char** argv) {
  const ParsedOptions parsed = parseOptions(argc, argv);
  if (parsed.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "udp-impair: %s\n%s", parsed.error.c_str(), kUsage);
    return 2;
  }
  const ImpairOptions& options = parsed.options;

  // SIGTERM/SIGINT arrive through a signalfd so the loop stops between datagrams.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    std::fprintf(stderr, "udp-impair: sigprocmask: %s\n", std::strerror(errno));
    return 1;
  }
  UniqueFd signal_fd(signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd.valid()) {
    std::fprintf(stderr, "udp-impair: signalfd: %s\n", std::strerror(errno));
    return 1;
  }

  ImpairRelay relay(options);
  std::string error;
  if (!relay.open(&error)) {
    std::fprintf(stderr, "udp-impair: %s\n", error.c_str());
    return 1;
  }
  const std::string ready_line = "listening " + relay.listenAddress().text() + "\n";
  // The file first: whoever reads the stdout line may then rely on the file too.
  if (!options.ready_file.empty() && !writeFileAtomically(options.ready_file, ready_line)) {
    std::fprintf(stderr, "udp-impair: --ready-file %s: cannot write\n", options.ready_file.c_str());
    return 1;
  }
  std::fputs(ready_line.c_str(), stdout);
  std::fflush(stdout);

  if (!relay.run(signal_fd.get(), &error)) {
    std::fprintf(stderr, "udp-impair: %s\n", error.c_str());
    return 1;
  }
  const std::string json = relay.stats().json() + "\n";
  std::fputs(json.c_str(), stderr);
  if (!options.stats_file.empty() && !writeFileAtomically(options.stats_file, json)) {
    std::fprintf(stderr, "udp-impair: --stats-file %s: cannot write\n", options.stats_file.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace udp_impair

int main(int argc, char** argv) {
  return udp_impair::run(argc, argv);
}
