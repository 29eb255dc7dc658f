// embedded_gateway: mqttd-gw run from a C++ program, with a handler registered in code
// (docs/routing.md §Embedding). Usage: embedded_gateway -c gw.yaml
//
// Every PUBLISH a client sends on sensors/# still goes to the broker (and to whatever the
// config's routes say); this program also gets a copy, on its own handler thread, and prints it.
#include <mqttd/gateway.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "-c") != 0) {
    std::fprintf(stderr, "usage: %s -c gw.yaml\n", argv[0]);
    return 2;
  }
  try {
    mqttd::Gateway gateway(mqttd::Config::load(argv[2]));
    unsigned long count = 0;  // only the handler thread touches it
    gateway.subscribe("sensors/#", [&count](const mqttd::Message& m) {
      ++count;
      std::printf("sensors message %lu: topic=%s payload=%s qos=%d client=%s via %s\n", count,
                  m.topic.c_str(), m.payload.c_str(), m.qos, m.client_id.c_str(),
                  m.transport.c_str());
      std::fflush(stdout);
    });
    return gateway.run();  // until SIGTERM/SIGINT has drained the connections
  } catch (const std::exception& e) {  // mqttd::ConfigLoadError lists every config error
    std::fprintf(stderr, "embedded_gateway: %s\n", e.what());
    return 1;
  }
}
