// ImpairRelay: the udp-impair event loop. One listening socket faces the clients; each client
// source address gets its own connected upstream socket towards the target. Every datagram, in
// either direction, passes through that direction's LinkImpairment and a release-time queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "impair_options.h"
#include "link_impairment.h"
#include "core/unique_fd.h"

namespace udp_impair {

using mqttd::UniqueFd;

// Counters for one direction; "up" is client -> target, "down" is target -> client.
struct DirectionStats {
  std::uint64_t received = 0;         // datagrams read from the sockets
  std::uint64_t forwarded = 0;        // datagrams written out, duplicates included
  std::uint64_t dropped = 0;          // lost on purpose (--loss)
  std::uint64_t duplicated = 0;       // datagrams sent twice (--duplicate)
  std::uint64_t reordered = 0;        // held datagrams that went out after a later one (--reorder)
  std::uint64_t send_errors = 0;      // writes the kernel refused (ECONNREFUSED, ENOBUFS, ...)
  std::uint64_t pending_at_exit = 0;  // still delayed or held when the relay stopped
};

struct RelayStats {
  DirectionStats up;
  DirectionStats down;
  std::uint64_t rebinds = 0;           // upstream sockets moved to a new port (--rebind-after)
  std::uint64_t rebind_failures = 0;   // rebinds that could not open a socket (old one kept)
  std::uint64_t replayed = 0;          // datagrams sent again by --replay-first
  std::uint64_t clients = 0;           // distinct client source addresses seen
  std::uint64_t clients_rejected = 0;  // datagrams from new clients beyond the table limit

  std::string json() const;  // one line, no trailing newline
};

class ImpairRelay {
 public:
  explicit ImpairRelay(const ImpairOptions& options);
  ~ImpairRelay();
  ImpairRelay(const ImpairRelay&) = delete;
  ImpairRelay& operator=(const ImpairRelay&) = delete;

  // Binds --listen. On failure returns false and says why in *error.
  [[nodiscard]] bool open(std::string* error);
  // The bound listening address (the real port when --listen asked for 0).
  const SocketAddress& listenAddress() const { return listen_address_; }

  // Relays until `signal_fd` (a signalfd for SIGTERM/SIGINT) is readable, then reads what is
  // already queued on the sockets, sends what is due and returns. false if poll itself fails.
  [[nodiscard]] bool run(int signal_fd, std::string* error);

  const RelayStats& stats() const { return stats_; }

 private:
  using Clock = std::chrono::steady_clock;
  using Bytes = std::vector<std::uint8_t>;
  enum class Direction { kUp = 0, kDown = 1 };

  // A datagram held back by --reorder until the next one of its flow and direction is queued.
  struct Held {
    std::uint64_t id = 0;  // matches the kHoldTimeout queue entry that may release it
    Bytes bytes;
    int copies = 1;             // 2 when also duplicated
    Clock::time_point release;  // when it would have gone out had it not been held
  };

  struct ClientFlow {
    SocketAddress client;              // where replies go, from the listening socket
    UniqueFd upstream;                 // connected to the target; replaced on rebind
    std::uint64_t sent_to_target = 0;  // up datagrams written, for --rebind-after
    std::optional<Held> held[2];       // indexed by Direction
    std::vector<Bytes> recorded;       // --replay-first: the first datagrams sent up
    UniqueFd replay;                   // the replay's own socket (its replies are dropped)
  };

  struct QueueEntry {
    enum class Kind { kSend, kHoldTimeout, kReplay } kind = Kind::kSend;
    ClientFlow* flow = nullptr;  // borrowed: flows live as long as the relay
    Direction direction = Direction::kUp;
    Bytes bytes;                // kSend only
    int copies = 1;             // kSend only
    std::uint64_t held_id = 0;  // kHoldTimeout only
  };

  // Ordered by release time, then by insertion so equal times keep arrival order.
  using Queue = std::map<std::pair<Clock::time_point, std::uint64_t>, QueueEntry>;

  void readClients(std::size_t budget);
  void readTarget(ClientFlow& flow, std::size_t budget);
  ClientFlow* flowFor(const SocketAddress& client);
  UniqueFd openUpstream();
  void accept(ClientFlow& flow, Direction direction, std::span<const std::uint8_t> bytes,
              Clock::time_point now);
  void schedule(Clock::time_point when, QueueEntry entry);
  void fireDue(Clock::time_point now);
  void transmit(ClientFlow& flow, Direction direction, const Bytes& bytes, int copies);
  void rebind(ClientFlow& flow);
  void replay(ClientFlow& flow);
  void countPending();
  DirectionStats& statsFor(Direction d) { return d == Direction::kUp ? stats_.up : stats_.down; }
  std::chrono::microseconds holdWindow() const;

  ImpairOptions options_;
  UniqueFd listen_;
  SocketAddress listen_address_;
  LinkImpairment up_impairment_;                              // seeded with --seed
  LinkImpairment down_impairment_;                            // seeded with --seed + 1
  std::map<std::string, std::unique_ptr<ClientFlow>> flows_;  // key: family, port, address
  Queue queue_;
  std::uint64_t next_sequence_ = 0;  // queue tie-breaker and Held ids
  Bytes buffer_;                     // one datagram: 65536 bytes, more than UDP can carry
  RelayStats stats_;
};

}  // namespace udp_impair
