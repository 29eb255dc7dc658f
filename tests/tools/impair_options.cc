#include "impair_options.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace udp_impair {

const char* const kUsage =
    "usage: udp-impair --listen HOST:PORT --target HOST:PORT [options]\n"
    "\n"
    "Relays UDP datagrams between clients and one target, impairing each direction.\n"
    "Each client source address gets its own upstream socket (ephemeral port) towards the\n"
    "target; replies return to that client from the --listen socket.\n"
    "\n"
    "  --listen HOST:PORT    where clients send (port 0 = pick one); prints\n"
    "                        'listening HOST:PORT' on stdout once bound\n"
    "  --target HOST:PORT    where datagrams go (numeric IPv4, or [IPv6])\n"
    "  --loss P              drop a datagram with probability P in [0,1]        (default 0)\n"
    "  --duplicate P         send a datagram twice with probability P           (default 0)\n"
    "  --reorder P           hold a datagram back and send it right after the next one in\n"
    "                        the same flow and direction, or after at most one extra\n"
    "                        delay+jitter (10ms when both are 0)                (default 0)\n"
    "  --delay D             fixed one-way delay, e.g. 20ms, 1s, 500us          (default 0)\n"
    "  --jitter D            extra one-way delay, uniform in [0, D]             (default 0)\n"
    "  --seed N              seed of the std::mt19937_64 decisions              (default 1)\n"
    "  --rebind-after N      after every N datagrams sent to the target for a client, move\n"
    "                        that client's upstream socket to a new ephemeral port (NAT\n"
    "                        rebinding); 0 = never                              (default 0)\n"
    "  --replay-first N      record the first N datagrams each client sends to the target and,\n"
    "                        --replay-after later, send them again from a new port (an\n"
    "                        attacker replaying a first flight, e.g. QUIC 0-RTT); replies to\n"
    "                        the replay are read and dropped                    (default 0)\n"
    "  --replay-after D      delay of that replay after the client's first datagram (default 1s)\n"
    "  --stats-file F        write the JSON counters to F at exit (also on stderr)\n"
    "  --ready-file F        write the 'listening HOST:PORT' line to F once bound\n"
    "  --help                this text\n"
    "\n"
    "Decisions are drawn in arrival order, four per datagram, from one generator per\n"
    "direction (client->target seeded with N, target->client with N+1), so a run with the\n"
    "same seed and the same traffic makes the same decisions. SIGTERM/SIGINT: write the\n"
    "counters and exit 0. Exit 2 on a usage error, 1 on a socket error.\n";

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::text() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    (void)inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, host,
                    sizeof(host));
    return std::string(host) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    (void)inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, host,
                    sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(port());
  }
  return "?";
}

bool SocketAddress::parse(std::string_view text, SocketAddress* out) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return false;
  }
  SocketAddress parsed;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&parsed.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&parsed.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    parsed.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    parsed.length = sizeof(sockaddr_in6);
  } else {
    return false;
  }
  *out = parsed;
  return true;
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* addr, socklen_t length) {
  SocketAddress result;
  if (length > sizeof(result.storage)) length = sizeof(result.storage);
  std::memcpy(&result.storage, addr, length);
  result.length = length;
  return result;
}

bool parseDuration(std::string_view text, std::chrono::microseconds* out) {
  if (text == "0") {
    *out = std::chrono::microseconds(0);
    return true;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  const std::string_view unit(end, text.data() + text.size() - end);
  std::uint64_t scale = 0;  // microseconds per unit
  if (unit == "us") scale = 1;
  if (unit == "ms") scale = 1000;
  if (unit == "s") scale = 1000 * 1000;
  // Cap at one hour: more is certainly a typo for a test link.
  constexpr std::uint64_t kMaxMicros = 3600ULL * 1000 * 1000;
  if (scale == 0 || value > kMaxMicros / scale) return false;
  *out = std::chrono::microseconds(static_cast<std::int64_t>(value * scale));
  return true;
}

namespace {

bool parseProbability(std::string_view text, double* out) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0 ||
      value > 1) {
    return false;
  }
  *out = value;
  return true;
}

bool parseCount(std::string_view text, std::uint64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

ParsedOptions parseOptions(int argc, char** argv) {
  ParsedOptions parsed;
  ImpairOptions& o = parsed.options;
  auto fail = [&](const std::string& message) {
    parsed.error = message;
    return parsed;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--help" || name == "-h") {
      parsed.help = true;
      return parsed;
    }
    std::string_view value;
    bool inline_value = false;
    if (const auto eq = name.find('='); name.starts_with("--") && eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    static constexpr std::string_view kKnown[] = {
        "--listen", "--target", "--loss",         "--duplicate",  "--reorder",   "--delay",
        "--jitter", "--seed",   "--rebind-after", "--replay-first", "--replay-after", "--stats-file", "--ready-file"};
    bool known = false;
    for (const auto k : kKnown) known = known || k == name;
    if (!known) return fail("unknown option '" + std::string(name) + "'");
    if (!inline_value) {
      if (i + 1 >= argc) return fail(std::string(name) + ": missing value");
      value = argv[++i];
    }
    const std::string bad = std::string(name) + ": invalid value '" + std::string(value) + "'";
    if (name == "--listen") {
      if (!SocketAddress::parse(value, &o.listen)) return fail(bad + " (want HOST:PORT)");
    } else if (name == "--target") {
      if (!SocketAddress::parse(value, &o.target) || o.target.port() == 0) {
        return fail(bad + " (want HOST:PORT with a non-zero port)");
      }
    } else if (name == "--loss" || name == "--duplicate" || name == "--reorder") {
      double* field = name == "--loss"        ? &o.profile.loss
                      : name == "--duplicate" ? &o.profile.duplicate
                                              : &o.profile.reorder;
      if (!parseProbability(value, field)) return fail(bad + " (want a probability in [0,1])");
    } else if (name == "--delay" || name == "--jitter") {
      auto* field = name == "--delay" ? &o.profile.delay : &o.profile.jitter;
      if (!parseDuration(value, field)) {
        return fail(bad + " (want <integer>us|ms|s up to 1 hour, e.g. 20ms)");
      }
    } else if (name == "--seed") {
      if (!parseCount(value, &o.seed)) return fail(bad + " (want an unsigned integer)");
    } else if (name == "--rebind-after") {
      if (!parseCount(value, &o.rebind_after)) return fail(bad + " (want an unsigned integer)");
    } else if (name == "--replay-first") {
      if (!parseCount(value, &o.replay_first)) return fail(bad + " (want an unsigned integer)");
    } else if (name == "--replay-after") {
      if (!parseDuration(value, &o.replay_after)) {
        return fail(bad + " (want <integer>us|ms|s up to 1 hour, e.g. 2s)");
      }
    } else if (name == "--stats-file") {
      o.stats_file = std::string(value);
    } else if (name == "--ready-file") {
      o.ready_file = std::string(value);
    }
  }
  if (o.listen.length == 0) return fail("--listen is required");
  if (o.target.length == 0) return fail("--target is required");
  return parsed;
}

}  // namespace udp_impair
