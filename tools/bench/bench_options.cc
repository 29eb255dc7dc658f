#include "bench/bench_options.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "bench/payload_stamp.h"

namespace mqttd::bench {
namespace {

std::optional<uint64_t> parseUnsigned(const std::string& text, uint64_t lo, uint64_t hi) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < lo || v > hi) return std::nullopt;
  return v;
}

// Returns an error text for a bad % sequence in a topic template.
std::optional<std::string> checkTemplate(std::string_view t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '%') continue;
    if (i + 1 >= t.size()) return "topic '" + std::string(t) + "' ends with a lone '%'";
    const char c = t[++i];
    if (c != 'i' && c != 'c' && c != '%') {
      return "topic '" + std::string(t) + "': unknown '%" + std::string(1, c) +
             "' (use %i, %c or %%)";
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view toString(BenchMode mode) {
  switch (mode) {
    case BenchMode::kConn: return "conn";
    case BenchMode::kPub: return "pub";
    case BenchMode::kSub: return "sub";
  }
  return "?";
}

void BenchOptions::usage(std::ostream& out) {
  out << "Usage: mqttd-bench conn|pub|sub [options]\n"
         "  -c COUNT         clients (default 1)\n"
         "  -i MS            interval between connection starts, ms (default 10; 0: all at once)\n"
         "  -I MS            pub: interval between publishes of one client, ms (default 1000;\n"
         "                   0: as fast as --inflight (QoS>0) or the send buffer (QoS 0) allow)\n"
         "  -L COUNT         stop after COUNT messages in total (pub, sub) or COUNT finished\n"
         "                   connection attempts (conn); 0: no limit (default)\n"
         "  --duration S     stop after S seconds (default: no limit)\n"
         "  -t TOPIC         topic (pub, default bench/%i) or filter (sub, default bench/#);\n"
         "                   %i = client index from 1, %c = client id, %% = %\n"
         "  -s BYTES         pub: payload size, >= 16 (default 256); the first 16 bytes carry\n"
         "                   the send time, publisher id and sequence number\n"
         "  -q QOS           0, 1 or 2 (default 0)\n"
         "  -h HOST          server host (default 127.0.0.1)\n"
         "  -p PORT          server port (default 14567 quic and simple, 1883 tcp)\n"
         "  --transport quic|tcp|simple   (default quic); simple: the gateway's unencrypted\n"
         "                   simple framing over UDP on its QUIC port (no TLS, no --zero-rtt)\n"
         "  --cafile FILE    trusted CA certificates (PEM); default: the system store\n"
         "  --insecure       do not verify the server certificate\n"
         "  --alpn LIST      ALPN protocols to offer, comma separated (default mqtt)\n"
         "  --zero-rtt       quic: one priming connection gets a session ticket first; every\n"
         "                   client then resumes it and sends its CONNECT in 0-RTT data\n"
         "                   (needs listeners.quic.zero_rtt on the gateway)\n"
         "  -V 311|5         MQTT protocol version (default 311)\n"
         "  --inflight N     pub: unacked QoS>0 publishes per client, 1..65535 (default 32)\n"
         "  -u USER, -P PASS username and password\n"
         "  -k SECONDS       keepalive (default 60)\n"
         "  --prefix TEXT    client id prefix (default mqttd-bench-PID); ids are PREFIX-INDEX\n"
         "  --json           final summary as one JSON object on stdout\n"
         "  --quiet          no per-second progress lines (they go to stderr)\n"
         "  --help           this text\n"
         "Exit status: 0 on success; 1 on usage errors, when a client failed to connect, or\n"
         "(sub) when gaps were seen by the time -L was reached.\n";
}

Result<BenchOptions, std::string> BenchOptions::parse(const std::vector<std::string>& args) {
  BenchOptions o;
  if (args.empty()) return fail(std::string("missing mode: conn, pub or sub"));
  if (args[0] == "--help") {
    o.help = true;
    return o;
  }
  if (args[0] == "conn")
    o.mode = BenchMode::kConn;
  else if (args[0] == "pub")
    o.mode = BenchMode::kPub;
  else if (args[0] == "sub")
    o.mode = BenchMode::kSub;
  else
    return fail("unknown mode '" + args[0] + "': use conn, pub or sub");

  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    auto value = [&]() -> bool {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    auto number = [&](uint64_t lo, uint64_t hi) -> std::optional<uint64_t> {
      if (!value()) return std::nullopt;
      return parseUnsigned(v, lo, hi);
    };
    auto bad = [&](std::string_view what) {
      return fail("option " + a + ": " + std::string(what));
    };
    if (a == "-c" || a == "--count") {
      auto n = number(1, 1'000'000);
      if (!n) return bad("needs a client count 1..1000000");
      o.clients = static_cast<uint32_t>(*n);
    } else if (a == "-i" || a == "--interval") {
      auto n = number(0, 3'600'000);
      if (!n) return bad("needs milliseconds 0..3600000");
      o.connect_interval_ms = static_cast<uint32_t>(*n);
    } else if (a == "-I" || a == "--interval-of-msg") {
      auto n = number(0, 3'600'000);
      if (!n) return bad("needs milliseconds 0..3600000");
      o.publish_interval_ms = static_cast<uint32_t>(*n);
    } else if (a == "-L" || a == "--limit") {
      auto n = number(0, UINT64_MAX);
      if (!n) return bad("needs a count (0: unlimited)");
      o.limit = *n;
    } else if (a == "--duration") {
      auto n = number(1, 366u * 86400u);
      if (!n) return bad("needs seconds 1..31622400");
      o.duration_s = static_cast<uint32_t>(*n);
    } else if (a == "-t" || a == "--topic") {
      if (!value() || v.empty()) return bad("needs a topic");
      o.topic = v;
    } else if (a == "-s" || a == "--size") {
      auto n = number(PayloadStamp::kSize, 256u * 1024 * 1024 - 1);
      if (!n) return bad("payload size must be 16..268435455 bytes");
      o.payload_size = static_cast<uint32_t>(*n);
    } else if (a == "-q" || a == "--qos") {
      auto n = number(0, 2);
      if (!n) return bad("QoS must be 0, 1 or 2");
      o.qos = static_cast<uint8_t>(*n);
    } else if (a == "-h" || a == "--host") {
      if (!value() || v.empty()) return bad("needs a host");
      o.host = v;
    } else if (a == "-p" || a == "--port") {
      auto n = number(1, 65535);
      if (!n) return bad("needs a port 1..65535");
      o.port = static_cast<uint16_t>(*n);
    } else if (a == "--transport") {
      if (!value()) return bad("needs quic, tcp or simple");
      o.simple = v == "simple";
      if (v == "quic")
        o.quic = true;
      else if (v == "tcp" || v == "simple")
        o.quic = false;
      else
        return bad("'" + v + "' is not quic, tcp or simple");
    } else if (a == "--cafile") {
      if (!value() || v.empty()) return bad("needs a file name");
      o.cafile = v;
    } else if (a == "--insecure") {
      o.insecure = true;
    } else if (a == "--alpn") {
      if (!value()) return bad("needs a comma-separated list");
      std::stringstream ss(v);
      for (std::string p; std::getline(ss, p, ',');) {
        if (p.empty() || p.size() > 255) return bad("bad protocol name in '" + v + "'");
        o.alpn.push_back(p);
      }
      if (o.alpn.empty()) return bad("needs at least one protocol");
    } else if (a == "--zero-rtt") {
      o.zero_rtt = true;
    } else if (a == "-V" || a == "--protocol-version") {
      if (!value()) return bad("needs 311 or 5");
      if (v == "311" || v == "mqttv311")
        o.version = mqtt::ProtocolVersion::kV311;
      else if (v == "5" || v == "mqttv5")
        o.version = mqtt::ProtocolVersion::kV5;
      else
        return bad("'" + v + "' is not 311 or 5");
    } else if (a == "--inflight") {
      auto n = number(1, 65535);
      if (!n) return bad("needs a count 1..65535");
      o.inflight = static_cast<uint32_t>(*n);
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "-u" || a == "--username") {
      if (!value()) return bad("needs a username");
      o.username = v;
    } else if (a == "-P" || a == "--password") {
      if (!value()) return bad("needs a password");
      o.password = v;
    } else if (a == "-k" || a == "--keepalive") {
      auto n = number(0, 65535);
      if (!n) return bad("keepalive must be 0..65535 seconds");
      o.keepalive = static_cast<uint16_t>(*n);
    } else if (a == "--prefix") {
      if (!value() || v.empty()) return bad("needs a client id prefix");
      o.prefix = v;
    } else if (a == "--help") {
      o.help = true;
      return o;
    } else {
      return fail("unknown option '" + a + "'");
    }
  }

  // Cross-field checks and derived defaults.
  if (o.topic.empty()) o.topic = o.mode == BenchMode::kSub ? "bench/#" : "bench/%i";
  if (auto e = checkTemplate(o.topic)) return fail("option -t: " + *e);
  if (o.mode == BenchMode::kPub &&
      o.topic.find_first_of("+#") != std::string::npos) {  // [MQTT-3.3.2-2]
    return fail("option -t: a publish topic must not contain wildcards '+' or '#'");
  }
  if (!o.port) o.port = o.quic || o.simple ? 14567 : 1883;
  if (o.simple) {
    if (o.zero_rtt) return fail(std::string("option --zero-rtt: needs --transport quic"));
    if (!o.cafile.empty() || o.insecure || !o.alpn.empty())
      o.warnings.push_back("--cafile, --insecure and --alpn are ignored with --transport simple "
                           "(the simple framing has no TLS)");
  }
  if (o.alpn.empty()) o.alpn.push_back("mqtt");
  if (o.prefix.empty()) o.prefix = "mqttd-bench-" + std::to_string(getpid());
  if (o.password && !o.username && o.version == mqtt::ProtocolVersion::kV311) {
    return fail(std::string("option -P: MQTT 3.1.1 needs -u as well"));  // [MQTT-3.1.2-22]
  }
  return o;
}

std::string_view BenchOptions::transportName() const {
  if (quic) return "quic";
  return simple ? "simple" : "tcp";
}

std::string BenchOptions::clientId(uint32_t index) const {
  return prefix + "-" + std::to_string(index);
}

std::string BenchOptions::topicFor(uint32_t index) const {
  return expandTopic(topic, index, clientId(index));
}

std::string BenchOptions::expandTopic(std::string_view tmpl, uint32_t index, std::string_view id) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%' || i + 1 >= tmpl.size()) {
      out.push_back(tmpl[i]);
      continue;
    }
    switch (tmpl[++i]) {
      case 'i': out += std::to_string(index); break;
      case 'c': out += id; break;
      case '%': out.push_back('%'); break;
      default: out.push_back('%'); out.push_back(tmpl[i]);
    }
  }
  return out;
}

}  // namespace mqttd::bench
