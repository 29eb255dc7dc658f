// ImpairOptions: the udp-impair command line, parsed and checked.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace udp_impair {

// A numeric socket address ("127.0.0.1:9000", "[::1]:9000"); no name lookup.
struct SocketAddress {
  sockaddr_storage storage{};  // sockaddr_in or sockaddr_in6
  socklen_t length = 0;        // 0 while unset

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  std::uint16_t port() const;  // host byte order
  std::string text() const;    // "127.0.0.1:9000" / "[::1]:9000"

  // nullopt-like: returns false and leaves *out untouched when `text` is not host:port.
  static bool parse(std::string_view text, SocketAddress* out);
  static SocketAddress fromSockaddr(const sockaddr* addr, socklen_t length);
};

// The impairment applied to each direction of every client flow.
struct LinkProfile {
  double loss = 0;       // probability of dropping a datagram, [0, 1]
  double duplicate = 0;  // probability of sending a datagram twice, [0, 1]
  double reorder = 0;    // probability of holding a datagram back behind the next one, [0, 1]
  std::chrono::microseconds delay{0};   // fixed one-way delay added to every datagram
  std::chrono::microseconds jitter{0};  // extra delay, uniform in [0, jitter]
};

struct ImpairOptions {
  SocketAddress listen;            // --listen; port 0 picks a free port
  SocketAddress target;            // --target; port must be non-zero
  LinkProfile profile;             // applies to both directions independently
  std::uint64_t seed = 1;          // --seed for the std::mt19937_64 decisions
  std::uint64_t rebind_after = 0;  // --rebind-after: datagrams per upstream port; 0 = never
  std::uint64_t replay_first = 0;  // --replay-first: datagrams of each client to replay; 0 = none
  std::chrono::microseconds replay_after{1000000};  // --replay-after: delay of that replay
  std::string stats_file;          // --stats-file: JSON counters at exit; empty = stderr only
  std::string ready_file;          // --ready-file: the "listening" line once bound; empty = none
};

// What parseOptions found: options, a request for --help, or an error that names the option.
struct ParsedOptions {
  ImpairOptions options;
  bool help = false;
  std::string error;  // empty on success
};

ParsedOptions parseOptions(int argc, char** argv);

// Durations: "<integer><unit>" with unit us, ms or s, or a bare "0". false if malformed.
bool parseDuration(std::string_view text, std::chrono::microseconds* out);

extern const char* const kUsage;

}  // namespace udp_impair
