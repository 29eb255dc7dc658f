// mqttd-gw: MQTT over QUIC (and TCP) in front of an existing TCP MQTT broker.
#include <getopt.h>

#include <cstdio>
#include <string>

#include "config/config_loader.h"
#include "core/log.h"
#include "core/open_file_limit.h"
#include "quic/ngtcp2/dev_certificate.h"
#include "server/gateway_server.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/mqttd/gw.yaml";

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: mqttd-gw [-c FILE] [--check-config] [--log-level LEVEL]\n"
               "\n"
               "MQTT gateway: clients connect over QUIC or TCP; every connection is spliced to\n"
               "the TCP MQTT broker named in the config (upstream.address).\n"
               "\n"
               "  -c, --config FILE      configuration file (default %s)\n"
               "  -t, --check-config     validate the configuration and exit: 0 valid, 1 not\n"
               "  -l, --log-level LEVEL  trace|debug|info|warn|error|off (overrides log.level)\n"
               "      --dev-cert DIR     write a self-signed development certificate for\n"
               "                         localhost to DIR/dev.crt and DIR/dev.key, then exit\n"
               "  -V, --version          print the version and exit\n"
               "  -h, --help             print this help and exit\n"
               "\n"
               "Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the configuration.\n",
               kDefaultConfig);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = kDefaultConfig;
  std::string log_level;
  bool check_only = false;
  const option options[] = {{"config", required_argument, nullptr, 'c'},
                            {"check-config", no_argument, nullptr, 't'},
                            {"log-level", required_argument, nullptr, 'l'},
                            {"version", no_argument, nullptr, 'V'},
                            {"help", no_argument, nullptr, 'h'},
                            {"dev-cert", required_argument, nullptr, 'D'},
                            {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "c:tl:Vh", options, nullptr)) != -1) {
    switch (opt) {
      case 'c': config_path = optarg; break;
      case 't': check_only = true; break;
      case 'l': log_level = optarg; break;
      case 'V': std::printf("mqttd-gw %s\n", MQTTD_VERSION); return 0;
      case 'h': usage(stdout); return 0;
      case 'D':
        if (auto written = mqttd::DevCertificate::write(optarg); !written) {
          std::fprintf(stderr, "mqttd-gw: --dev-cert: %s\n", written.error().c_str());
          return 1;
        }
        std::printf("wrote %s/dev.crt and %s/dev.key (self-signed, for localhost; development only)\n",
                    optarg, optarg);
        return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "mqttd-gw: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  if (!log_level.empty() && !mqttd::parseLogLevel(log_level)) {
    std::fprintf(stderr, "mqttd-gw: --log-level: '%s' is not one of trace|debug|info|warn|error|off\n",
                 log_level.c_str());
    return 2;
  }

  auto config = mqttd::ConfigLoader::loadFile(config_path);
  if (!config) {
    std::fputs(mqttd::toString(config.error()).c_str(), stderr);
    if (check_only) std::fprintf(stderr, "%s: configuration is invalid\n", config_path.c_str());
    return 1;
  }
  if (check_only) {
    std::printf("%s: configuration is valid\n", config_path.c_str());
    return 0;
  }
  if (!log_level.empty()) config->log.level = log_level;
  mqttd::Log::configure(mqttd::parseLogLevel(config->log.level).value_or(mqttd::LogLevel::kInfo),
                        mqttd::parseLogFormat(config->log.format).value_or(mqttd::LogFormat::kText));

  // Every client costs descriptors: take what the hard limit allows (docs/operations.md §6).
  const auto files = mqttd::OpenFileLimit::raiseToHard();
  if (!files.error.empty()) {
    mqttd::Log::warn("cannot raise the open files limit",
                     {{"error", files.error}, {"limit", std::to_string(files.soft)}});
  } else if (files.soft != files.before) {
    mqttd::Log::info("open files limit raised", {{"from", std::to_string(files.before)},
                                                 {"to", std::to_string(files.soft)}});
  }
  const uint64_t needed = mqttd::OpenFileLimit::neededFor(config->limits.max_connections);
  if (files.soft < needed) {
    mqttd::Log::warn("open files limit is below what limits.max_connections needs: connections "
                     "beyond it will fail (raise the hard limit: LimitNOFILE=, ulimit -Hn)",
                     {{"limit", std::to_string(files.soft)},
                      {"max_connections", std::to_string(config->limits.max_connections)},
                      {"needed", std::to_string(needed)}});
  }

  mqttd::GatewayServer gateway(std::move(*config), config_path);
  if (auto started = gateway.start(); !started) {
    mqttd::Log::error("cannot start", {{"error", started.error()}});
    return 1;
  }
  return gateway.run();
}
