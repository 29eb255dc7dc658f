// mqttd-bench: an MQTT load generator in the spirit of emqtt-bench, over MQTT-over-QUIC
// (default) or plain TCP, built on src/client.
//   mqttd-bench conn -c 1000 -i 5
//   mqttd-bench sub -c 1 -t 'bench/#' -L 100000
//   mqttd-bench pub -c 10 -I 0 -s 64 -L 100000 --transport tcp -p 1883
// One event loop thread drives every client (see bench/bench_run.h).
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "bench/bench_options.h"
#include "bench/bench_run.h"
#include "core/log.h"

int main(int argc, char** argv) {
  using namespace mqttd::bench;
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = BenchOptions::parse(args);
  if (!options) {
    std::cerr << "Error: " << options.error() << "\n";
    BenchOptions::usage(std::cerr);
    return kBenchUsage;
  }
  if (options->help) {
    BenchOptions::usage(std::cout);
    return kBenchOk;
  }
  mqttd::Log::configure(mqttd::LogLevel::kOff, mqttd::LogFormat::kText);
  BenchRun run(std::move(*options));
  return run.run();
}
