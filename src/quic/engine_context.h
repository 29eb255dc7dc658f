// EngineContext: what each front-end engine of one worker (Ngtcp2Engine, simple::SimpleEngine)
// gets from its QuicFrontend: the worker's loop, socket and tracker, and what every worker and
// both front ends share (metrics, the static secret, the connection budget).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "admin/metrics.h"
#include "core/connection_budget.h"
#include "core/event_loop.h"
#include "net/udp_socket.h"
#include "quic/connection_tracker.h"
#include "quic/ngtcp2/static_secret.h"
#include "splice/splice.h"

namespace mqttd {

struct EngineContext {
  EventLoop& loop;
  UdpSocket& socket;
  ConnectionTracker& tracker;
  Metrics& metrics;
  std::function<SpliceContext()> splice_context;  // the config in force for new splices
  std::function<uint64_t()> next_id;              // connection ids for logs and /connections
  uint8_t server_id = 0;
  uint8_t worker_id = 0;
  // Retry/NEW_TOKEN tokens, simple-framer cookies and stateless reset tokens: one key for
  // every worker and both front ends, so any of them verifies or derives any other's.
  std::shared_ptr<const StaticSecret> secret;
  // QUIC and simple-framer connections of the whole process, against limits.max_connections.
  ConnectionBudget& budget;
};

}  // namespace mqttd
