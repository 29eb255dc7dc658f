// BenchRun: one mqttd-bench run. Owns the event loop, the clients, the per-second progress
// reporter and the final summary. Single-threaded by design: every client, timer and counter
// lives on one libevent loop, so BenchStats needs no locks; one thread drives well over
// 30,000 QoS 0 msg/s of small messages over TCP (see the report), and a second process is
// the way to use a second core.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "bench/bench_client.h"
#include "bench/bench_options.h"
#include "bench/bench_stats.h"
#include "core/event_loop.h"
#include "net/socket_address.h"

namespace mqttd::bench {

// Process exit status of mqttd-bench.
enum BenchExit : int {
  kBenchOk = 0,
  kBenchUsage = 1,          // bad options, unresolvable host
  kBenchConnectFailed = 2,  // at least one client failed to connect
  kBenchGaps = 3,           // sub: messages missing when -L was reached
};

class BenchRun {
 public:
  explicit BenchRun(BenchOptions options);
  ~BenchRun();
  BenchRun(const BenchRun&) = delete;
  BenchRun& operator=(const BenchRun&) = delete;

  // Runs to the end (-L, --duration, Ctrl-C or every client gone), prints the summary on
  // stdout and returns the exit status.
  int run();

 private:
  void prime();
  void startClients();
  void onConnectResult(uint32_t index);
  void onClientClosed();
  void onReport();
  void stop();
  void finish();
  void writeText(std::ostream& out) const;
  void writeJson(std::ostream& out) const;
  int exitStatus() const;
  double runSeconds() const;  // first dial -> stop (or now)

  BenchOptions options_;
  EventLoop loop_;
  BenchStats stats_;
  BenchOptions primer_options_;            // --zero-rtt: the priming connection's options
  BenchStats primer_stats_;                // ... and its figures (not reported)
  std::unique_ptr<BenchClient> primer_;
  SocketAddress peer_;
  std::vector<std::unique_ptr<BenchClient>> clients_;

  Timer connect_timer_;   // starts the next client(s) every -i ms
  Timer report_timer_;    // progress line once a second
  Timer duration_timer_;  // --duration
  Timer linger_timer_;    // bounds waiting for DISCONNECTs once stopping
  std::unique_ptr<SignalWatch> sigint_;
  std::unique_ptr<SignalWatch> sigterm_;

  uint64_t start_ns_ = 0;        // monotonic ns of the first dial
  uint64_t stop_ns_ = 0;         // monotonic ns stop() ran; 0 while running
  uint64_t next_report_ns_ = 0;  // monotonic ns the next progress line is due
  uint64_t last_report_ns_ = 0;  // monotonic ns of the previous progress line
  uint64_t last_messages_ = 0;   // messages (or connections) counted at the previous line
  uint64_t attempts_done_ = 0;   // connection attempts finished (CONNACK 0 or failure)
  uint64_t closed_ = 0;          // clients that started and then closed
  uint64_t start_failures_ = 0;  // clients whose start() failed (nothing to close)
  bool limit_reached_ = false;   // -L was reached
  bool stopping_ = false;
  bool finished_ = false;      // loop stop requested
  std::string first_failure_;  // why the first client failed to connect
};

}  // namespace mqttd::bench
