// udp-impair, end to end: the real binary between two UDP sockets of this test. The binary is
// found through $UDP_IMPAIR (set by tests/tools/meson.build).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace udp_impair {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPatience{5000};  // longest wait for anything that must happen

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct Datagram {
  std::string bytes;
  std::uint16_t from_port = 0;  // host byte order
};

// A UDP socket on 127.0.0.1 with an ephemeral port: plays the client or the target.
class UdpPeer {
 public:
  UdpPeer() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    const int buffer = 4 * 1024 * 1024;  // bytes; capped by net.core.rmem_max
    (void)setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t length = sizeof(addr);
    EXPECT_EQ(::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &length), 0);
    port_ = ntohs(addr.sin_port);
  }

  int fd() const { return fd_.get(); }
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void sendTo(std::uint16_t port, const std::string& bytes) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    EXPECT_EQ(::sendto(fd_.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                       sizeof(to)),
              static_cast<ssize_t>(bytes.size()));
  }

  // The next datagram, waiting up to `timeout`; nullopt if none came.
  std::optional<Datagram> receive(milliseconds timeout) const {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    return tryReceive();
  }

  // A datagram already queued, without waiting.
  std::optional<Datagram> tryReceive() const {
    std::string buffer(65536, '\0');
    sockaddr_in from{};
    socklen_t length = sizeof(from);
    const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(n));
    return Datagram{buffer, ntohs(from.sin_port)};
  }

 private:
  Fd fd_;
  std::uint16_t port_ = 0;
};

// The decimal number starting at text[at], or nullopt if there is none.
std::optional<std::uint64_t> digitsAt(const std::string& text, std::size_t at) {
  std::uint64_t value = 0;
  std::size_t i = at;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && i - at < 19; ++i) {
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (i == at) return std::nullopt;
  return value;
}

// The udp-impair process, with stdout and stderr read through pipes.
class Relay {
 public:
  explicit Relay(std::vector<std::string> args) {
    const char* binary = std::getenv("UDP_IMPAIR");
    EXPECT_NE(binary, nullptr) << "UDP_IMPAIR is not set";
    args.insert(args.begin(), binary != nullptr ? binary : "udp-impair");
    int out[2];
    int err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    stdout_.reset(out[0]);
    stderr_.reset(err[0]);
  }

  ~Relay() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The port from the "listening 127.0.0.1:PORT" line; 0 if it did not come.
  std::uint16_t waitListening() {
    const auto deadline = Clock::now() + kPatience;
    while (stdout_text_.find('\n') == std::string::npos && Clock::now() < deadline) {
      if (!readSome(deadline)) break;
    }
    const std::string prefix = "listening 127.0.0.1:";
    const auto end = stdout_text_.find('\n');
    const auto port = stdout_text_.rfind(prefix, 0) == 0 && end != std::string::npos
                          ? digitsAt(stdout_text_, prefix.size())
                          : std::nullopt;
    if (!port || *port == 0 || *port > 65535 ||
        prefix.size() + std::to_string(*port).size() != end) {
      ADD_FAILURE() << "no listening line; stdout: " << stdout_text_ << " stderr: " << stderr_text_;
      return 0;
    }
    port_ = static_cast<std::uint16_t>(*port);
    return port_;
  }

  std::uint16_t port() const { return port_; }

  // Sends `signum`, then returns the exit status (128 + signal if killed, -1 on timeout).
  int stop(int signum = SIGTERM) {
    ::kill(pid_, signum);
    return waitExit();
  }

  // Reads both pipes to EOF and reaps the process.
  int waitExit() {
    const auto deadline = Clock::now() + kPatience;
    while ((stdout_.get() >= 0 || stderr_.get() >= 0) && readSome(deadline)) {
    }
    if (stdout_.get() >= 0 || stderr_.get() >= 0) return -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& stderrText() const { return stderr_text_; }

 private:
  // Waits for output on either pipe until `deadline`; false on timeout.
  bool readSome(Clock::time_point deadline) {
    pollfd p[2] = {{stdout_.get(), POLLIN, 0}, {stderr_.get(), POLLIN, 0}};
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || ::poll(p, 2, static_cast<int>(left)) <= 0) return false;
    for (int i = 0; i < 2; ++i) {
      if (p[i].revents == 0) continue;
      Fd& fd = i == 0 ? stdout_ : stderr_;
      char buffer[4096];
      const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
      if (n <= 0) {
        fd.reset();
      } else {
        (i == 0 ? stdout_text_ : stderr_text_).append(buffer, static_cast<std::size_t>(n));
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  Fd stdout_;
  Fd stderr_;
  std::string stdout_text_;
  std::string stderr_text_;
  std::uint16_t port_ = 0;
};

// A counter from the stats JSON: counter(json, "up", "dropped") or counter(json, "", "rebinds").
// The relay writes flat objects, so the direction's object ends at the next '}'.
std::optional<std::uint64_t> counter(const std::string& json, const std::string& direction,
                                     const std::string& name) {
  std::size_t from = 0;
  std::size_t to = json.size();
  if (!direction.empty()) {
    from = json.find("\"" + direction + "\":{");
    if (from == std::string::npos) return std::nullopt;
    to = json.find('}', from);
  }
  const std::string key = "\"" + name + "\":";
  const auto at = json.find(key, from);
  if (at == std::string::npos || at > to) return std::nullopt;
  return digitsAt(json, at + key.size());
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Datagram number `index` of stream `stream`: 4 bytes of index, then a pattern, 4..1403 bytes.
std::string payload(std::uint32_t index, std::uint32_t stream = 0) {
  std::string bytes(4 + (index * 37) % 1400, '\0');
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(index >> (24 - 8 * i));
  for (std::size_t i = 4; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(index * 31 + stream * 7 + i);
  }
  return bytes;
}

std::uint32_t indexOf(const std::string& bytes) {
  std::uint32_t index = 0;
  for (std::size_t i = 0; i < 4 && i < bytes.size(); ++i) {
    index = (index << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return index;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/udp_impair_test.XXXXXX";
    path_ = ::mkdtemp(pattern) != nullptr ? pattern : "/tmp";
  }
  ~TempDir() {
    std::error_code ignored;
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> relayArgs(const UdpPeer& target, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--target", target.address()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(UdpImpairTest, CleanLinkDeliversEverythingIntactAndInOrderBothWays) {
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target));
  ASSERT_NE(relay.waitListening(), 0);
  constexpr std::uint32_t kCount = 1000;
  constexpr std::uint32_t kWindow = 32;  // datagrams in flight, so no socket buffer overflows
  std::uint32_t sent = 0;
  std::uint32_t target_got = 0;
  std::uint32_t client_got = 0;
  while (client_got < kCount) {
    while (sent < kCount && sent - client_got < kWindow)
      client.sendTo(relay.port(), payload(sent++));
    pollfd p[2] = {{target.fd(), POLLIN, 0}, {client.fd(), POLLIN, 0}};
    ASSERT_GT(::poll(p, 2, static_cast<int>(kPatience.count())), 0)
        << "stalled at target " << target_got << ", client " << client_got;
    while (auto d = target.tryReceive()) {
      ASSERT_EQ(d->bytes, payload(target_got)) << "at target, datagram " << target_got;
      target.sendTo(d->from_port, payload(target_got, 1));
      ++target_got;
    }
    while (auto d = client.tryReceive()) {
      ASSERT_EQ(d->from_port, relay.port());
      ASSERT_EQ(d->bytes, payload(client_got, 1)) << "at client, datagram " << client_got;
      ++client_got;
    }
  }
  EXPECT_EQ(target_got, kCount);
  EXPECT_EQ(relay.stop(), 0);
}

struct LossyRun {
  std::string stats;                   // the --stats-file JSON
  std::vector<std::uint32_t> arrived;  // indices the target received, in order
};

LossyRun runLossy(const std::string& seed) {
  TempDir dir;
  const std::string stats_file = dir.path() + "/stats.json";
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--loss", "0.3", "--seed", seed, "--stats-file", stats_file}));
  LossyRun run;
  if (relay.waitListening() == 0) return run;
  constexpr std::uint32_t kCount = 1000;
  constexpr std::uint32_t kBatch = 50;
  for (std::uint32_t first = 0; first < kCount; first += kBatch) {
    for (std::uint32_t i = first; i < first + kBatch; ++i) client.sendTo(relay.port(), payload(i));
    // Pacing only (keeps socket buffers from overflowing): wait for the batch's last datagram,
    // or a quiet 100 ms if it was the one lost. Correctness comes from the drain below.
    while (auto d = target.receive(milliseconds(100))) {
      run.arrived.push_back(indexOf(d->bytes));
      if (run.arrived.back() == first + kBatch - 1) break;
    }
  }
  EXPECT_EQ(relay.stop(), 0);
  // The relay forwards synchronously over loopback, so after it exits all it sent is queued here.
  while (auto d = target.tryReceive()) run.arrived.push_back(indexOf(d->bytes));
  run.stats = readFile(stats_file);
  return run;
}

TEST(UdpImpairTest, LossDropsAboutTheRateAndIsReproducibleWithTheSameSeed) {
  const LossyRun first = runLossy("7");
  const LossyRun second = runLossy("7");
  ASSERT_FALSE(first.stats.empty());
  const auto dropped = counter(first.stats, "up", "dropped");
  ASSERT_TRUE(dropped.has_value()) << first.stats;
  EXPECT_EQ(counter(first.stats, "up", "received"), 1000u) << first.stats;
  EXPECT_GE(*dropped, 200u);
  EXPECT_LE(*dropped, 400u);
  EXPECT_EQ(first.arrived.size(), 1000u - *dropped);
  EXPECT_EQ(counter(first.stats, "up", "forwarded"), first.arrived.size());
  EXPECT_TRUE(std::is_sorted(first.arrived.begin(), first.arrived.end()));
  // Same seed, same traffic: the same datagrams are lost.
  EXPECT_EQ(counter(second.stats, "up", "dropped"), dropped);
  EXPECT_EQ(second.arrived, first.arrived);
  // Another seed loses other datagrams.
  const LossyRun other = runLossy("8");
  EXPECT_NE(other.arrived, first.arrived);
}

TEST(UdpImpairTest, DuplicateOneSendsEverythingTwiceBothWays) {
  TempDir dir;
  const std::string stats_file = dir.path() + "/stats.json";
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--duplicate", "1.0", "--stats-file", stats_file}));
  ASSERT_NE(relay.waitListening(), 0);
  constexpr std::uint32_t kCount = 100;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    client.sendTo(relay.port(), payload(i));
    for (int copy = 0; copy < 2; ++copy) {
      const auto d = target.receive(kPatience);
      ASSERT_TRUE(d.has_value()) << "datagram " << i << " copy " << copy;
      ASSERT_EQ(d->bytes, payload(i));
      if (copy == 0) target.sendTo(d->from_port, payload(i, 1));
    }
    for (int copy = 0; copy < 2; ++copy) {
      const auto d = client.receive(kPatience);
      ASSERT_TRUE(d.has_value()) << "reply " << i << " copy " << copy;
      ASSERT_EQ(d->bytes, payload(i, 1));
    }
  }
  EXPECT_FALSE(target.tryReceive().has_value());
  EXPECT_FALSE(client.tryReceive().has_value());
  ASSERT_EQ(relay.stop(), 0);
  const std::string stats = readFile(stats_file);
  for (const char* direction : {"up", "down"}) {
    EXPECT_EQ(counter(stats, direction, "received"), kCount) << stats;
    EXPECT_EQ(counter(stats, direction, "duplicated"), kCount) << stats;
    EXPECT_EQ(counter(stats, direction, "forwarded"), 2 * kCount) << stats;
  }
}

TEST(UdpImpairTest, ReorderDeliversEverythingButNotAllInOrder) {
  TempDir dir;
  const std::string stats_file = dir.path() + "/stats.json";
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--reorder", "0.5", "--stats-file", stats_file}));
  ASSERT_NE(relay.waitListening(), 0);
  constexpr std::uint32_t kBursts = 50;
  constexpr std::uint32_t kBurst = 10;  // datagrams sent back to back, so one can overtake another
  int bursts_reordered_up = 0;
  int bursts_reordered_down = 0;
  for (std::uint32_t b = 0; b < kBursts; ++b) {
    std::vector<std::uint32_t> expected;
    for (std::uint32_t i = b * kBurst; i < (b + 1) * kBurst; ++i) {
      expected.push_back(i);
      client.sendTo(relay.port(), payload(i));
    }
    std::vector<std::uint32_t> up;
    std::uint16_t upstream_port = 0;
    while (up.size() < kBurst) {
      const auto d = target.receive(kPatience);
      ASSERT_TRUE(d.has_value()) << "burst " << b << " got " << up.size() << " at target";
      ASSERT_EQ(d->bytes, payload(indexOf(d->bytes)));
      up.push_back(indexOf(d->bytes));
      upstream_port = d->from_port;
    }
    for (const auto i : up) target.sendTo(upstream_port, payload(i, 1));
    std::vector<std::uint32_t> down;
    while (down.size() < kBurst) {
      const auto d = client.receive(kPatience);
      ASSERT_TRUE(d.has_value()) << "burst " << b << " got " << down.size() << " at client";
      ASSERT_EQ(d->bytes, payload(indexOf(d->bytes), 1));
      down.push_back(indexOf(d->bytes));
    }
    bursts_reordered_up += up != expected;
    bursts_reordered_down += down != up;
    std::sort(up.begin(), up.end());
    std::sort(down.begin(), down.end());
    EXPECT_EQ(up, expected);
    EXPECT_EQ(down, expected);
  }
  EXPECT_GT(bursts_reordered_up, 0);
  EXPECT_GT(bursts_reordered_down, 0);
  ASSERT_EQ(relay.stop(), 0);
  const std::string stats = readFile(stats_file);
  EXPECT_GT(counter(stats, "up", "reordered").value_or(0), 0u) << stats;
  EXPECT_GT(counter(stats, "down", "reordered").value_or(0), 0u) << stats;
  EXPECT_EQ(counter(stats, "up", "forwarded"), kBursts * kBurst) << stats;
  EXPECT_EQ(counter(stats, "down", "forwarded"), kBursts * kBurst) << stats;
}

TEST(UdpImpairTest, DelayAppliesInEachDirection) {
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--delay", "50ms"}));
  ASSERT_NE(relay.waitListening(), 0);
  for (std::uint32_t i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    client.sendTo(relay.port(), payload(i));
    const auto request = target.receive(kPatience);
    ASSERT_TRUE(request.has_value());
    const auto one_way = Clock::now() - start;
    target.sendTo(request->from_port, payload(i, 1));
    const auto reply = client.receive(kPatience);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->bytes, payload(i, 1));
    EXPECT_GE(one_way, milliseconds(50));
    EXPECT_GE(Clock::now() - start, milliseconds(100));
  }
  EXPECT_EQ(relay.stop(), 0);
}

TEST(UdpImpairTest, JitterAddsUpToItsValueOnTopOfTheDelay) {
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--delay", "20ms", "--jitter", "10ms", "--seed", "3"}));
  ASSERT_NE(relay.waitListening(), 0);
  for (std::uint32_t i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    client.sendTo(relay.port(), payload(i));
    ASSERT_TRUE(target.receive(kPatience).has_value());
    EXPECT_GE(Clock::now() - start, milliseconds(20));
  }
  EXPECT_EQ(relay.stop(), 0);
}

TEST(UdpImpairTest, RebindAfterMovesTheUpstreamPortAndRepliesStillArrive) {
  TempDir dir;
  const std::string stats_file = dir.path() + "/stats.json";
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--rebind-after", "10", "--stats-file", stats_file}));
  ASSERT_NE(relay.waitListening(), 0);
  constexpr std::uint32_t kCount = 35;
  std::vector<std::uint16_t> ports;  // source port the target saw, per datagram
  for (std::uint32_t i = 0; i < kCount; ++i) {
    client.sendTo(relay.port(), payload(i));
    const auto request = target.receive(kPatience);
    ASSERT_TRUE(request.has_value()) << "datagram " << i;
    ASSERT_EQ(request->bytes, payload(i));
    ports.push_back(request->from_port);
    target.sendTo(request->from_port, payload(i, 1));
    const auto reply = client.receive(kPatience);
    ASSERT_TRUE(reply.has_value()) << "reply " << i;
    EXPECT_EQ(reply->bytes, payload(i, 1));
    EXPECT_EQ(reply->from_port, relay.port());
  }
  for (std::uint32_t i = 0; i < kCount; ++i) {
    if (i % 10 == 0 && i > 0) {
      EXPECT_NE(ports[i], ports[i - 1]) << "no new port at datagram " << i;
    } else if (i > 0) {
      EXPECT_EQ(ports[i], ports[i - 1]) << "unexpected new port at datagram " << i;
    }
  }
  EXPECT_EQ(std::set<std::uint16_t>(ports.begin(), ports.end()).size(), 4u);
  ASSERT_EQ(relay.stop(), 0);
  EXPECT_EQ(counter(readFile(stats_file), "", "rebinds"), 3u);
}

TEST(UdpImpairTest, SigtermWritesTheCountersToTheStatsFileAndStderr) {
  TempDir dir;
  const std::string stats_file = dir.path() + "/stats.json";
  const std::string ready_file = dir.path() + "/ready";
  UdpPeer target;
  UdpPeer first_client;
  UdpPeer second_client;
  Relay relay(relayArgs(target, {"--stats-file", stats_file, "--ready-file", ready_file}));
  const auto port = relay.waitListening();
  ASSERT_NE(port, 0);
  EXPECT_EQ(readFile(ready_file), "listening 127.0.0.1:" + std::to_string(port) + "\n");
  std::set<std::uint16_t> upstream_ports;
  for (std::uint32_t i = 0; i < 6; ++i) {
    const UdpPeer& client = i % 2 == 0 ? first_client : second_client;
    client.sendTo(port, payload(i));
    const auto request = target.receive(kPatience);
    ASSERT_TRUE(request.has_value());
    upstream_ports.insert(request->from_port);
    target.sendTo(request->from_port, payload(i, 1));
    const auto reply = client.receive(kPatience);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->bytes, payload(i, 1));
  }
  EXPECT_EQ(upstream_ports.size(), 2u) << "one upstream socket per client";
  ASSERT_EQ(relay.stop(), 0);
  const std::string stats = readFile(stats_file);
  EXPECT_EQ(stats,
            "{\"up\":{\"received\":6,\"forwarded\":6,\"dropped\":0,\"duplicated\":0,"
            "\"reordered\":0,\"send_errors\":0,\"pending_at_exit\":0},"
            "\"down\":{\"received\":6,\"forwarded\":6,\"dropped\":0,\"duplicated\":0,"
            "\"reordered\":0,\"send_errors\":0,\"pending_at_exit\":0},"
            "\"rebinds\":0,\"replayed\":0,\"rebind_failures\":0,\"clients\":2,\"clients_rejected\":0}\n");
  EXPECT_NE(relay.stderrText().find(stats), std::string::npos) << relay.stderrText();
}

TEST(UdpImpairTest, SigintAlsoStopsCleanlyAndDelayedDatagramsArePending) {
  TempDir dir;
  const std::string stats_file = dir.path() + "/stats.json";
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target, {"--delay", "10s", "--stats-file", stats_file}));
  ASSERT_NE(relay.waitListening(), 0);
  for (std::uint32_t i = 0; i < 3; ++i) client.sendTo(relay.port(), payload(i));
  ASSERT_EQ(relay.stop(SIGINT), 0);
  const std::string stats = readFile(stats_file);
  EXPECT_EQ(counter(stats, "up", "received"), 3u) << stats;
  EXPECT_EQ(counter(stats, "up", "pending_at_exit"), 3u) << stats;
  EXPECT_EQ(counter(stats, "up", "forwarded"), 0u) << stats;
}

TEST(UdpImpairTest, LargestEmptyAndGarbageDatagramsPassUnchanged) {
  UdpPeer target;
  UdpPeer client;
  Relay relay(relayArgs(target));
  ASSERT_NE(relay.waitListening(), 0);
  std::vector<std::string> datagrams = {std::string(65507, '\xa5'), std::string()};
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;  // xorshift, for reproducible garbage
  for (int i = 0; i < 50; ++i) {
    std::string garbage(state % 3000, '\0');
    for (auto& c : garbage) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      c = static_cast<char>(state);
    }
    datagrams.push_back(garbage);
  }
  for (const auto& bytes : datagrams) {
    client.sendTo(relay.port(), bytes);
    const auto request = target.receive(kPatience);
    ASSERT_TRUE(request.has_value()) << bytes.size() << " bytes";
    EXPECT_EQ(request->bytes, bytes);
    target.sendTo(request->from_port, bytes);
    const auto reply = client.receive(kPatience);
    ASSERT_TRUE(reply.has_value()) << bytes.size() << " bytes";
    EXPECT_EQ(reply->bytes, bytes);
  }
  EXPECT_EQ(relay.stop(), 0);
}

TEST(UdpImpairTest, BadOptionsExitTwoNamingTheOption) {
  UdpPeer target;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--listen", "127.0.0.1:0"}, "--target is required"},
      {relayArgs(target, {"--loss", "1.5"}), "--loss: invalid value '1.5'"},
      {relayArgs(target, {"--reorder", "-0.1"}), "--reorder: invalid value"},
      {relayArgs(target, {"--delay", "20"}), "--delay: invalid value '20'"},
      {relayArgs(target, {"--jitter", "5parsecs"}), "--jitter: invalid value"},
      {relayArgs(target, {"--seed"}), "--seed: missing value"},
      {relayArgs(target, {"--rebind-after", "ten"}), "--rebind-after: invalid value"},
      {relayArgs(target, {"--frobnicate", "1"}), "unknown option '--frobnicate'"},
      {{"--listen", "localhost:0", "--target", target.address()}, "--listen: invalid value"},
      {{"--listen", "127.0.0.1:0", "--target", "127.0.0.1:0"}, "--target: invalid value"},
  };
  for (const auto& [args, message] : cases) {
    Relay relay(args);
    EXPECT_EQ(relay.waitExit(), 2) << message;
    EXPECT_NE(relay.stderrText().find(message), std::string::npos) << relay.stderrText();
  }
  Relay help({"--help"});
  EXPECT_EQ(help.waitExit(), 0);
}

}  // namespace
}  // namespace udp_impair
