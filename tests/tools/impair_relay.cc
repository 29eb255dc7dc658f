#include "impair_relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace udp_impair {
namespace {

constexpr std::size_t kReadBudget = 64;         // datagrams per socket per wake-up
constexpr std::size_t kDrainBudget = 1 << 20;   // datagrams per socket when stopping
constexpr std::size_t kMaxClients = 900;        // one fd each; stays under RLIMIT_NOFILE 1024
constexpr int kSocketBuffer = 4 * 1024 * 1024;  // bytes; the kernel caps it at rmem/wmem_max
constexpr std::chrono::microseconds kMinHold{10'000};  // reorder hold window when no delay

void growBuffers(int fd) {
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof(kSocketBuffer));
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof(kSocketBuffer));
}

std::string flowKey(const SocketAddress& a) {
  std::string key(1, static_cast<char>(a.family()));
  const auto port = a.port();
  key.push_back(static_cast<char>(port >> 8));
  key.push_back(static_cast<char>(port & 0xff));
  if (a.family() == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr;
    key.append(reinterpret_cast<const char*>(&in), sizeof(in));
  } else if (a.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    key.append(reinterpret_cast<const char*>(&in6->sin6_addr), sizeof(in6->sin6_addr));
    key.append(reinterpret_cast<const char*>(&in6->sin6_scope_id), sizeof(in6->sin6_scope_id));
  }
  return key;
}

bool wouldBlock(int err) {
  return err == EAGAIN || err == EWOULDBLOCK;
}

void appendDirection(std::string& out, const char* name, const DirectionStats& s) {
  out += "\"";
  out += name;
  out += "\":{\"received\":" + std::to_string(s.received) +
         ",\"forwarded\":" + std::to_string(s.forwarded) +
         ",\"dropped\":" + std::to_string(s.dropped) +
         ",\"duplicated\":" + std::to_string(s.duplicated) +
         ",\"reordered\":" + std::to_string(s.reordered) +
         ",\"send_errors\":" + std::to_string(s.send_errors) +
         ",\"pending_at_exit\":" + std::to_string(s.pending_at_exit) + "}";
}

}  // namespace

std::string RelayStats::json() const {
  std::string out = "{";
  appendDirection(out, "up", up);
  out += ",";
  appendDirection(out, "down", down);
  out += ",\"rebinds\":" + std::to_string(rebinds) + ",\"replayed\":" + std::to_string(replayed) +
         ",\"rebind_failures\":" + std::to_string(rebind_failures) +
         ",\"clients\":" + std::to_string(clients) +
         ",\"clients_rejected\":" + std::to_string(clients_rejected) + "}";
  return out;
}

ImpairRelay::ImpairRelay(const ImpairOptions& options)
    : options_(options),
      up_impairment_(options.profile, options.seed),
      down_impairment_(options.profile, options.seed + 1),
      buffer_(65536) {}

ImpairRelay::~ImpairRelay() = default;

bool ImpairRelay::open(std::string* error) {
  listen_.reset(::socket(options_.listen.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_.valid()) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  growBuffers(listen_.get());
  if (::bind(listen_.get(), options_.listen.get(), options_.listen.length) != 0) {
    *error = "--listen " + options_.listen.text() + ": bind: " + std::strerror(errno);
    return false;
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    *error = std::string("getsockname: ") + std::strerror(errno);
    return false;
  }
  listen_address_ = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&bound), length);
  return true;
}

bool ImpairRelay::run(int signal_fd, std::string* error) {
  std::vector<pollfd> fds;
  std::vector<ClientFlow*> polled;  // flow behind fds[2 + i]
  bool stopping = false;
  while (!stopping) {
    fds.clear();
    polled.clear();
    fds.push_back({signal_fd, POLLIN, 0});
    fds.push_back({listen_.get(), POLLIN, 0});
    for (auto& [key, flow] : flows_) {
      if (!flow->upstream.valid()) continue;
      fds.push_back({flow->upstream.get(), POLLIN, 0});
      polled.push_back(flow.get());
    }
    timespec timeout{};
    timespec* timeout_ptr = nullptr;  // wait forever while nothing is queued
    if (!queue_.empty()) {
      const auto wait =
          std::max(Clock::duration::zero(), queue_.begin()->first.first - Clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
      timeout.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      timeout_ptr = &timeout;
    }
    if (::ppoll(fds.data(), fds.size(), timeout_ptr, nullptr) < 0) {
      if (errno == EINTR) continue;
      *error = std::string("ppoll: ") + std::strerror(errno);
      return false;
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      (void)!::read(signal_fd, &info, sizeof(info));
      stopping = true;
    }
    if (fds[1].revents != 0) readClients(kReadBudget);
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (fds[2 + i].revents != 0) readTarget(*polled[i], kReadBudget);
    }
    fireDue(Clock::now());
  }
  // Stopping: whatever the kernel already queued for us is received (and, if due, forwarded),
  // so the counters account for every datagram a client sent before the signal.
  readClients(kDrainBudget);
  for (auto& [key, flow] : flows_) readTarget(*flow, kDrainBudget);
  fireDue(Clock::now());
  countPending();
  return true;
}

void ImpairRelay::readClients(std::size_t budget) {
  for (std::size_t i = 0; i < budget; ++i) {
    sockaddr_storage from{};
    socklen_t from_length = sizeof(from);
    const ssize_t n = ::recvfrom(listen_.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n < 0) {
      if (wouldBlock(errno)) return;
      continue;  // e.g. an ICMP error from a client that went away: nothing to relay
    }
    const auto client =
        SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&from), from_length);
    ClientFlow* flow = flowFor(client);
    if (flow == nullptr) {
      ++stats_.clients_rejected;
      continue;
    }
    accept(*flow, Direction::kUp, {buffer_.data(), static_cast<std::size_t>(n)}, Clock::now());
  }
}

void ImpairRelay::readTarget(ClientFlow& flow, std::size_t budget) {
  if (!flow.upstream.valid()) return;
  for (std::size_t i = 0; i < budget; ++i) {
    const ssize_t n = ::recv(flow.upstream.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (wouldBlock(errno)) return;
      if (errno == ECONNREFUSED) continue;  // ICMP port unreachable from the target: reported once
      return;
    }
    accept(flow, Direction::kDown, {buffer_.data(), static_cast<std::size_t>(n)}, Clock::now());
  }
}

ImpairRelay::ClientFlow* ImpairRelay::flowFor(const SocketAddress& client) {
  const std::string key = flowKey(client);
  if (auto it = flows_.find(key); it != flows_.end()) return it->second.get();
  if (flows_.size() >= kMaxClients) return nullptr;
  UniqueFd upstream = openUpstream();
  if (!upstream.valid()) return nullptr;
  auto flow = std::make_unique<ClientFlow>();
  flow->client = client;
  flow->upstream = std::move(upstream);
  ClientFlow* raw = flow.get();
  flows_.emplace(key, std::move(flow));
  ++stats_.clients;
  return raw;
}

UniqueFd ImpairRelay::openUpstream() {
  UniqueFd fd(::socket(options_.target.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  growBuffers(fd.get());
  // connect() binds an ephemeral port and makes the kernel drop datagrams not from the target.
  if (::connect(fd.get(), options_.target.get(), options_.target.length) != 0) fd.reset();
  return fd;
}

std::chrono::microseconds ImpairRelay::holdWindow() const {
  const auto window = options_.profile.delay + options_.profile.jitter;
  return window > std::chrono::microseconds::zero() ? window : kMinHold;
}

void ImpairRelay::accept(ClientFlow& flow, Direction direction, std::span<const std::uint8_t> bytes,
                         Clock::time_point now) {
  DirectionStats& stats = statsFor(direction);
  ++stats.received;
  const Verdict verdict = (direction == Direction::kUp ? up_impairment_ : down_impairment_).next();
  if (verdict.drop) {
    ++stats.dropped;
    return;
  }
  if (verdict.copies > 1) ++stats.duplicated;
  const auto release = now + verdict.delay;
  auto& held = flow.held[static_cast<int>(direction)];
  QueueEntry entry;
  entry.flow = &flow;
  entry.direction = direction;
  entry.bytes.assign(bytes.begin(), bytes.end());
  entry.copies = verdict.copies;
  if (held) {
    // This is the "next one" the held datagram waits for: it goes right behind it. A reorder
    // draw for this datagram is ignored, since only one datagram per direction is held.
    schedule(release, std::move(entry));
    QueueEntry late;
    late.flow = &flow;
    late.direction = direction;
    late.bytes = std::move(held->bytes);
    late.copies = held->copies;
    schedule(std::max(release, held->release), std::move(late));
    held.reset();
    ++stats.reordered;
  } else if (verdict.hold) {
    held = Held{next_sequence_++, std::move(entry.bytes), verdict.copies, release};
    QueueEntry timeout;
    timeout.kind = QueueEntry::Kind::kHoldTimeout;
    timeout.flow = &flow;
    timeout.direction = direction;
    timeout.held_id = held->id;
    schedule(release + holdWindow(), std::move(timeout));
  } else {
    schedule(release, std::move(entry));
  }
}

void ImpairRelay::schedule(Clock::time_point when, QueueEntry entry) {
  queue_.emplace(std::make_pair(when, next_sequence_++), std::move(entry));
}

void ImpairRelay::fireDue(Clock::time_point now) {
  while (!queue_.empty() && queue_.begin()->first.first <= now) {
    QueueEntry entry = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    ClientFlow& flow = *entry.flow;
    if (entry.kind == QueueEntry::Kind::kSend) {
      transmit(flow, entry.direction, entry.bytes, entry.copies);
      continue;
    }
    if (entry.kind == QueueEntry::Kind::kReplay) {
      replay(flow);
      continue;
    }
    // kHoldTimeout: no later datagram came in time, so the held one goes out in order.
    auto& held = flow.held[static_cast<int>(entry.direction)];
    if (held && held->id == entry.held_id) {
      transmit(flow, entry.direction, held->bytes, held->copies);
      held.reset();
    }
  }
}

void ImpairRelay::transmit(ClientFlow& flow, Direction direction, const Bytes& bytes, int copies) {
  DirectionStats& stats = statsFor(direction);
  for (int i = 0; i < copies; ++i) {
    ssize_t n = -1;
    if (direction == Direction::kUp) {
      if (options_.rebind_after != 0 && flow.sent_to_target != 0 &&
          flow.sent_to_target % options_.rebind_after == 0) {
        rebind(flow);
      }
      ++flow.sent_to_target;
      if (flow.recorded.size() < options_.replay_first) {
        if (flow.recorded.empty()) {
          QueueEntry e;
          e.kind = QueueEntry::Kind::kReplay;
          e.flow = &flow;
          schedule(Clock::now() + options_.replay_after, std::move(e));
        }
        flow.recorded.push_back(bytes);
      }
      if (flow.upstream.valid()) {
        n = ::send(flow.upstream.get(), bytes.data(), bytes.size(), MSG_DONTWAIT);
      }
    } else {
      n = ::sendto(listen_.get(), bytes.data(), bytes.size(), MSG_DONTWAIT, flow.client.get(),
                   flow.client.length);
    }
    if (n == static_cast<ssize_t>(bytes.size())) {
      ++stats.forwarded;
    } else {
      ++stats.send_errors;
    }
  }
}

void ImpairRelay::replay(ClientFlow& flow) {
  flow.replay = openUpstream();
  if (!flow.replay.valid()) return;
  for (const Bytes& bytes : flow.recorded) {
    if (::send(flow.replay.get(), bytes.data(), bytes.size(), MSG_DONTWAIT) ==
        static_cast<ssize_t>(bytes.size())) {
      ++stats_.replayed;
    }
  }
}

void ImpairRelay::rebind(ClientFlow& flow) {
  // The new socket is opened while the old one still holds its port, so the port must differ.
  UniqueFd fresh = openUpstream();
  if (!fresh.valid()) {
    ++stats_.rebind_failures;
    return;
  }
  flow.upstream = std::move(fresh);  // closes the old socket: late replies to it are lost
  ++stats_.rebinds;
}

void ImpairRelay::countPending() {
  for (const auto& [key, entry] : queue_) {
    if (entry.kind == QueueEntry::Kind::kSend) {
      statsFor(entry.direction).pending_at_exit += static_cast<std::uint64_t>(entry.copies);
    }
  }
  for (const auto& [key, flow] : flows_) {
    for (int d = 0; d < 2; ++d) {
      if (flow->held[d]) {
        statsFor(static_cast<Direction>(d)).pending_at_exit +=
            static_cast<std::uint64_t>(flow->held[d]->copies);
      }
    }
  }
}

}  // namespace udp_impair
