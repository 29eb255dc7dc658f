#include "bench/bench_run.h"

#include "client/host_address.h"

#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/clock.h"

namespace mqttd::bench {
namespace {

constexpr uint64_t kReportPeriodNs = 1'000'000'000;  // one progress line per second
// -i 0: clients dialled per wake-up before yielding to the loop (style habit 8).
constexpr uint32_t kDialsPerWake = 100;
// Once stopping: how long DISCONNECTs (and QUIC closes) get before the loop is ended anyway.
constexpr auto kStopLinger = std::chrono::seconds(3);


// "850us", "1.25ms", "2.50s".
std::string formatMicros(uint64_t us) {
  char buf[32];
  if (us < 1000) {
    std::snprintf(buf, sizeof buf, "%lluus", static_cast<unsigned long long>(us));
  } else if (us < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.2fms", static_cast<double>(us) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(us) / 1e6);
  }
  return buf;
}

std::string percentilesText(const LatencyHistogram& h) {
  if (h.count() == 0) return "no samples";
  return "p50 " + formatMicros(h.percentile(0.5)) + "  p99 " + formatMicros(h.percentile(0.99)) +
         "  p999 " + formatMicros(h.percentile(0.999)) + "  max " + formatMicros(h.max()) + "  (" +
         std::to_string(h.count()) + " samples)";
}

void percentilesJson(std::ostream& out, const LatencyHistogram& h) {
  out << "{\"count\":" << h.count() << ",\"p50\":" << h.percentile(0.5)
      << ",\"p99\":" << h.percentile(0.99) << ",\"p999\":" << h.percentile(0.999)
      << ",\"max\":" << h.max() << ",\"mean\":" << static_cast<uint64_t>(h.mean()) << "}";
}

// What the headline latency measures in each mode ("" when there is none).
std::string_view latencyName(const BenchOptions& o) {
  switch (o.mode) {
    case BenchMode::kConn: return "dial->connack";
    case BenchMode::kPub: return o.qos > 0 ? "publish->ack" : "";
    case BenchMode::kSub: return "publish->deliver";
  }
  return "";
}

}  // namespace

BenchRun::BenchRun(BenchOptions options)
    : options_(std::move(options)),
      connect_timer_(loop_, [this] { startClients(); }),
      report_timer_(loop_, [this] { onReport(); }),
      duration_timer_(loop_, [this] { stop(); }),
      linger_timer_(loop_, [this] { finish(); }) {}

BenchRun::~BenchRun() {
  // Clients before the loop their timers and sockets belong to.
  clients_.clear();
}

int BenchRun::run() {
  for (const auto& w : options_.warnings) std::cerr << "Warning: " << w << "\n";
  auto peer = client::resolveHost(options_.host, *options_.port);
  if (!peer) {
    std::cerr << "Error: " << peer.error() << "\n";
    return kBenchUsage;
  }
  peer_ = *peer;
  clients_.reserve(options_.clients);
  sigint_ = std::make_unique<SignalWatch>(loop_, SIGINT, [this] {
    if (stopping_) finish();  // a second Ctrl-C: do not wait for the DISCONNECTs
    stop();
  });
  sigterm_ = std::make_unique<SignalWatch>(loop_, SIGTERM, [this] { stop(); });
  start_ns_ = monotonicNanos();
  last_report_ns_ = start_ns_;
  next_report_ns_ = start_ns_ + kReportPeriodNs;
  report_timer_.start(std::chrono::nanoseconds(kReportPeriodNs));
  if (options_.duration_s > 0) duration_timer_.start(std::chrono::seconds(options_.duration_s));
  if (options_.zero_rtt && options_.quic) {
    prime();
  } else {
    startClients();
  }
  if (!finished_) loop_.run();
  stats_.latency.merge(stats_.interval);
  stats_.interval.reset();
  if (options_.json) {
    writeJson(std::cout);
  } else {
    writeText(std::cout);
  }
  std::cout.flush();
  return exitStatus();
}

// --zero-rtt: one connection (not counted) fetches a session ticket; the clients then resume it.
void BenchRun::prime() {
  primer_options_ = options_;
  primer_options_.mode = BenchMode::kConn;
  primer_options_.prefix = options_.prefix + "-primer";
  BenchClient::Hooks hooks;
  hooks.on_connect_result = [this] { loop_.callLater([this] { primer_->stop(); }); };
  hooks.on_closed = [this] {
    loop_.callLater([this] {
      auto ticket = primer_->ticket();
      if (!ticket) {
        std::cerr << "Warning: --zero-rtt: the server sent no session ticket (is "
                     "listeners.quic.zero_rtt on?); full handshakes\n";
      }
      BenchClient::setResumption(std::move(ticket));
      start_ns_ = monotonicNanos();
      startClients();
    });
  };
  primer_ = std::make_unique<BenchClient>(loop_, primer_options_, primer_stats_, 1, std::move(hooks));
  if (auto r = primer_->start(peer_); !r) {
    std::cerr << "Warning: --zero-rtt: " << r.error() << "; full handshakes\n";
    startClients();
  }
}

void BenchRun::startClients() {
  if (stopping_) return;
  const uint32_t batch = options_.connect_interval_ms == 0 ? kDialsPerWake : 1;
  for (uint32_t n = 0; n < batch && clients_.size() < options_.clients; ++n) {
    const uint32_t index = static_cast<uint32_t>(clients_.size()) + 1;
    clients_.push_back(std::make_unique<BenchClient>(
        loop_, options_, stats_, index,
        BenchClient::Hooks{
            .on_connect_result = [this, index] { onConnectResult(index); },
            .on_limit_reached =
                [this] {
                  limit_reached_ = true;
                  stop();
                },
            .on_closed = [this] { onClientClosed(); },
        }));
    if (auto r = clients_.back()->start(peer_); !r) {
      ++start_failures_;
      ++attempts_done_;
      ++stats_.connect_failed;
      stats_.error(ErrorKind::kConnectFailed);
      if (first_failure_.empty()) first_failure_ = r.error();
    }
    if (stopping_) return;
  }
  if (clients_.size() < options_.clients) {
    connect_timer_.start(std::chrono::milliseconds(options_.connect_interval_ms));
  } else if (closed_ + start_failures_ == clients_.size()) {
    stop();  // every start() failed: nothing will ever call back
  }
}

void BenchRun::onConnectResult(uint32_t index) {
  ++attempts_done_;
  const BenchClient& c = *clients_[index - 1];
  if (!c.failure().empty() && first_failure_.empty()) first_failure_ = c.failure();
  if (options_.mode == BenchMode::kConn && options_.limit != 0 &&
      attempts_done_ >= options_.limit) {
    limit_reached_ = true;
    stop();
  }
}

void BenchRun::onClientClosed() {
  ++closed_;
  if (clients_.size() < options_.clients && !stopping_) return;  // more to dial
  if (closed_ + start_failures_ < clients_.size()) return;
  if (stopping_) {
    finish();
  } else {
    stop();  // every client is gone: nothing left to measure
  }
}

void BenchRun::stop() {
  if (stopping_) return;
  stopping_ = true;
  stop_ns_ = monotonicNanos();
  connect_timer_.stop();
  duration_timer_.stop();
  for (auto& c : clients_) c->stop();
  if (closed_ + start_failures_ >= clients_.size()) {
    finish();
  } else {
    linger_timer_.start(kStopLinger);
  }
}

void BenchRun::finish() {
  if (finished_) return;
  finished_ = true;
  report_timer_.stop();
  linger_timer_.stop();
  loop_.stop();
}

void BenchRun::onReport() {
  const uint64_t now = monotonicNanos();
  const bool sub = options_.mode == BenchMode::kSub;
  const uint64_t total =
      options_.mode == BenchMode::kConn ? stats_.connected : stats_.messages(sub);
  const double dt = static_cast<double>(now - last_report_ns_) / 1e9;
  const double rate = dt > 0 ? static_cast<double>(total - last_messages_) / dt : 0;
  if (!options_.quiet && !stopping_) {
    char head[160];
    std::snprintf(head, sizeof head, "%s %5.0fs  connected %llu/%u  rate %.0f %s  total %llu",
                  std::string(toString(options_.mode)).c_str(),
                  static_cast<double>(now - start_ns_) / 1e9,
                  static_cast<unsigned long long>(stats_.open), options_.clients, rate,
                  options_.mode == BenchMode::kConn ? "conn/s" : "msg/s",
                  static_cast<unsigned long long>(total));
    std::string line = head;
    const std::string_view name = latencyName(options_);
    if (!name.empty()) {
      line += "  " + std::string(name) + " ";
      if (stats_.interval.count() == 0) {
        line += "-";
      } else {
        line += "p50 " + formatMicros(stats_.interval.percentile(0.5)) + " p99 " +
                formatMicros(stats_.interval.percentile(0.99));
      }
    }
    line += "  errors " + std::to_string(stats_.errorCount());
    std::cerr << line << "\n";
  }
  stats_.latency.merge(stats_.interval);
  stats_.interval.reset();
  last_messages_ = total;
  last_report_ns_ = now;
  // Keep to a one-second grid even when a line was late.
  next_report_ns_ += kReportPeriodNs;
  if (next_report_ns_ <= now) next_report_ns_ = now + kReportPeriodNs;
  report_timer_.start(std::chrono::nanoseconds(next_report_ns_ - now));
}

double BenchRun::runSeconds() const {
  const uint64_t end = stop_ns_ != 0 ? stop_ns_ : monotonicNanos();
  return static_cast<double>(end - start_ns_) / 1e9;
}

int BenchRun::exitStatus() const {
  if (stats_.connect_failed > 0) return kBenchConnectFailed;
  if (options_.mode == BenchMode::kSub && limit_reached_ && stats_.gaps > 0) return kBenchGaps;
  return kBenchOk;
}

void BenchRun::writeText(std::ostream& out) const {
  const bool sub = options_.mode == BenchMode::kSub;
  const uint64_t messages = stats_.messages(sub);
  const double secs = runSeconds();
  const double active_s =
      static_cast<double>(stats_.last_message_ns - stats_.first_message_ns) / 1e9;
  char buf[256];
  std::snprintf(buf, sizeof buf, "mqttd-bench %s: %u clients over %s to %s:%u, %.2f s%s\n",
                std::string(toString(options_.mode)).c_str(), options_.clients,
                std::string(options_.transportName()).c_str(), options_.host.c_str(),
                *options_.port, secs, limit_reached_ ? " (-L reached)" : "");
  out << buf;
  out << "  connections: " << stats_.connected << " established, " << stats_.connect_failed
      << " failed, " << stats_.errors[static_cast<size_t>(ErrorKind::kConnectionLost)] << " lost\n";
  if (options_.mode != BenchMode::kConn) {
    std::snprintf(buf, sizeof buf,
                  "  messages: %llu %s, %.0f msg/s over the run, %.0f msg/s first to last\n",
                  static_cast<unsigned long long>(messages), sub ? "received" : "published",
                  secs > 0 ? static_cast<double>(messages) / secs : 0.0,
                  active_s > 0 ? static_cast<double>(messages - 1) / active_s : 0.0);
    out << buf;
    if (!sub && options_.qos > 0) out << "  acknowledged: " << stats_.acked << "\n";
  }
  const std::string_view name = latencyName(options_);
  if (!name.empty() && options_.mode != BenchMode::kConn) {
    out << "  latency " << name << ": " << percentilesText(stats_.latency) << "\n";
  }
  out << "  handshake: " << percentilesText(stats_.handshake) << "\n";
  out << "  dial->connack: " << percentilesText(stats_.connack) << "\n";
  if (sub) out << "  duplicates " << stats_.duplicates << ", gaps " << stats_.gaps << "\n";
  out << "  errors:";
  if (stats_.errorCount() == 0) out << " none";
  for (size_t k = 0; k < stats_.errors.size(); ++k) {
    if (stats_.errors[k] == 0) continue;
    out << " " << toString(static_cast<ErrorKind>(k)) << "=" << stats_.errors[k];
  }
  out << "\n";
  if (!first_failure_.empty()) out << "  first connect failure: " << first_failure_ << "\n";
}

void BenchRun::writeJson(std::ostream& out) const {
  const bool sub = options_.mode == BenchMode::kSub;
  const uint64_t messages = stats_.messages(sub);
  const double secs = runSeconds();
  const double active_s =
      static_cast<double>(stats_.last_message_ns - stats_.first_message_ns) / 1e9;
  auto quoted = [](std::string_view s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        q += esc;
        continue;
      }
      q += c;
    }
    return q + "\"";
  };
  std::ostringstream o;
  o.precision(6);
  o << "{\"mode\":" << quoted(toString(options_.mode))
    << ",\"transport\":" << quoted(options_.transportName())
    << ",\"host\":" << quoted(options_.host) << ",\"port\":" << *options_.port
    << ",\"clients\":" << options_.clients << ",\"qos\":" << int(options_.qos)
    << ",\"payload_size\":" << options_.payload_size << ",\"limit\":" << options_.limit
    << ",\"limit_reached\":" << (limit_reached_ ? "true" : "false") << ",\"elapsed_s\":" << secs
    << ",\"connections\":{\"established\":" << stats_.connected
    << ",\"failed\":" << stats_.connect_failed
    << ",\"lost\":" << stats_.errors[static_cast<size_t>(ErrorKind::kConnectionLost)]
    << ",\"resumed\":" << stats_.resumed << ",\"zero_rtt_accepted\":" << stats_.zero_rtt_accepted
    << "}"
    << ",\"messages\":{\"published\":" << stats_.published << ",\"acked\":" << stats_.acked
    << ",\"received\":" << stats_.received << "}"
    << ",\"rate_msg_s\":" << (secs > 0 ? static_cast<double>(messages) / secs : 0.0)
    << ",\"active_rate_msg_s\":"
    << (active_s > 0 ? static_cast<double>(messages - 1) / active_s : 0.0)
    << ",\"latency_kind\":" << quoted(latencyName(options_)) << ",\"latency_us\":";
  percentilesJson(o, stats_.latency);
  o << ",\"handshake_us\":";
  percentilesJson(o, stats_.handshake);
  o << ",\"connack_us\":";
  percentilesJson(o, stats_.connack);
  o << ",\"duplicates\":" << stats_.duplicates << ",\"gaps\":" << stats_.gaps << ",\"errors\":{";
  for (size_t k = 0; k < stats_.errors.size(); ++k) {
    o << (k ? "," : "") << quoted(toString(static_cast<ErrorKind>(k))) << ":" << stats_.errors[k];
  }
  o << "}";
  if (!first_failure_.empty()) o << ",\"first_failure\":" << quoted(first_failure_);
  o << ",\"exit_status\":" << exitStatus() << "}\n";
  out << o.str();
}

}  // namespace mqttd::bench
