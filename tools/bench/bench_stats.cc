#include "bench/bench_stats.h"

namespace mqttd::bench {

std::string_view toString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnectFailed: return "connect_failed";
    case ErrorKind::kTlsFailed: return "tls_failed";
    case ErrorKind::kConnackRefused: return "connack_refused";
    case ErrorKind::kConnectionLost: return "connection_lost";
    case ErrorKind::kPublishFailed: return "publish_failed";
    case ErrorKind::kPublishRejected: return "publish_rejected";
    case ErrorKind::kSubscribeRejected: return "subscribe_rejected";
    case ErrorKind::kBadPayload: return "bad_payload";
    case ErrorKind::kInflightFull: return "inflight_full";
    case ErrorKind::kCount: break;
  }
  return "?";
}

uint64_t BenchStats::errorCount() const {
  uint64_t n = 0;
  for (uint64_t e : errors) n += e;
  return n;
}

}  // namespace mqttd::bench
