// BenchOptions: mqttd-bench's command line (emqtt-bench style), parsed and checked in three
// steps (style habit 9): defaults here, one check per option naming it, then cross-field checks.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mqtt/packet.h"

namespace mqttd::bench {

enum class BenchMode {
  kConn,  // open connections and keep them open; measure handshake and CONNACK times
  kPub,   // publish stamped payloads
  kSub,   // subscribe, measure publish->deliver latency, gaps and duplicates
};

std::string_view toString(BenchMode mode);

struct BenchOptions {
  BenchMode mode = BenchMode::kPub;
  uint32_t clients = 1;                 // -c, 1..1,000,000
  uint32_t connect_interval_ms = 10;    // -i, ms between two connection starts (0: all at once)
  uint32_t publish_interval_ms = 1000;  // -I, ms between two publishes of a client (0: flat out)
  // -L: pub/sub: messages in total over all clients; conn: finished connection attempts.
  // 0: unlimited.
  uint64_t limit = 0;
  uint32_t duration_s = 0;      // --duration, seconds the run lasts (0: until -L or Ctrl-C)
  std::string topic;            // -t template; "" until parse(): "bench/%i" (pub), "bench/#" (sub)
  uint32_t payload_size = 256;  // -s, bytes, >= PayloadStamp::kSize (16)
  uint8_t qos = 0;              // -q, 0..2
  std::string host = "127.0.0.1";
  std::optional<uint16_t> port;   // -p; parse() fills 14567 (quic, simple) or 1883 (tcp)
  bool quic = true;               // --transport quic (else tcp or simple)
  bool simple = false;            // --transport simple: the gateway's simple framing (UDP)
  bool zero_rtt = false;          // --zero-rtt: resume a primed ticket, CONNECT in 0-RTT
  std::string cafile;             // --cafile, PEM; "" = system store
  bool insecure = false;          // --insecure: do not verify the server certificate
  std::vector<std::string> alpn;  // --alpn a,b; parse() fills {"mqtt"}
  mqtt::ProtocolVersion version = mqtt::ProtocolVersion::kV311;  // -V 311|5
  uint32_t inflight = 32;               // --inflight, unacked QoS>0 publishes per client, 1..65535
  bool json = false;                    // --json: the summary as one JSON object on stdout
  bool quiet = false;                   // --quiet: no progress lines
  std::optional<std::string> username;  // -u
  std::optional<std::string> password;  // -P
  uint16_t keepalive = 60;              // -k, seconds, 0..65535
  std::string prefix;                   // --prefix; parse() fills "mqttd-bench-<pid>"
  bool help = false;                    // --help was given: print usage, run nothing
  std::vector<std::string> warnings;    // accepted-but-ignored options, for stderr

  // Parses argv[1..] (the mode first). The error names the option and says why.
  static Result<BenchOptions, std::string> parse(const std::vector<std::string>& args);
  static void usage(std::ostream& out);

  // "quic", "tcp" or "simple", as given to --transport.
  std::string_view transportName() const;

  // Client `index` (1-based, like emqtt-bench's %i): "<prefix>-<index>".
  std::string clientId(uint32_t index) const;
  // -t with %i -> index, %c -> clientId(index), %% -> %.
  std::string topicFor(uint32_t index) const;
  // Expands a template; parse() has already rejected unknown % sequences.
  static std::string expandTopic(std::string_view tmpl, uint32_t index, std::string_view id);
};

}  // namespace mqttd::bench
