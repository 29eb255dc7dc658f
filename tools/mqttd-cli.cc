// mqttd-cli: publish and subscribe over MQTT-over-QUIC (default), plain TCP or the gateway's
// simple framing (docs/simple-framing.md), with the options and output of mosquitto_pub /
// mosquitto_sub.
//   mqttd-cli pub -t TOPIC -m MESSAGE [-q 0|1|2] [-r] ...
//   mqttd-cli sub -t FILTER [-t FILTER...] [-v] [-N] [-C n] [-W s] ...
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "client/host_address.h"
#include "client/mqtt_client.h"
#include "client/quic_client_connection.h"
#include "client/resumption_ticket.h"
#include "client/simple_client_connection.h"
#include "client/tcp_client_transport.h"
#include "core/event_loop.h"
#include "core/log.h"

namespace {

using namespace mqttd;
using namespace mqttd::client;

// Exit codes. mosquitto_sub uses 27 (MOSQ_ERR_TIMEOUT) for -W.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,          // usage, I/O, protocol errors, lost connection
  kExitConnectFailed = 2,  // refused / no answer / handshake timeout
  kExitTls = 3,            // certificate verification or TLS/QUIC handshake failure
  kExitConnack = 4,        // the server refused the CONNECT (CONNACK code != 0)
  kExitTimeout = 27,       // -W expired
};

enum class Transport {
  kQuic,    // MQTT over QUIC (TLS 1.3)
  kTcp,     // plain TCP
  kSimple,  // the simple framing over UDP, unencrypted (docs/simple-framing.md)
};

struct CliOptions {
  bool publish = true;  // pub or sub
  std::string host = "localhost";
  std::optional<uint16_t> port;
  std::vector<std::string> topics;
  std::optional<std::string> message;
  std::optional<std::string> file;
  bool null_message = false;
  uint8_t qos = 0;
  bool retain = false;
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  uint16_t keepalive = 60;
  bool clean = true;
  long count = 0;        // sub -C: exit after this many messages (0: never)
  bool verbose = false;  // sub -v: "topic payload"
  bool no_newline = false;
  long timeout_s = 0;  // -W: give up after this many seconds (0: never)
  std::string cafile;
  bool insecure = false;
  std::vector<std::string> alpn;
  Transport transport = Transport::kQuic;
  bool tls_options = false;  // --cafile, --insecure or --alpn given (QUIC only)
  mqtt::ProtocolVersion version = mqtt::ProtocolVersion::kV311;
  bool debug = false;
  long repeat = 1;          // pub --repeat: publish this many times
  double repeat_delay = 0;  // pub --repeat-delay: seconds between publishes
  long migrate_after = 0;   // --migrate-after: migrate after this many messages (0: never)
  std::string session_file;  // --session-file: TLS ticket + transport parameters (0-RTT)
};

void usage(std::ostream& out) {
  out << "Usage: mqttd-cli pub|sub [options]\n"
         "  -h HOST          server host (default localhost)\n"
         "  -p PORT          server port (default 14567 for quic and simple, 1883 for tcp)\n"
         "  -t TOPIC         topic (pub) / topic filter, repeatable (sub)\n"
         "  -m MESSAGE       message to publish\n"
         "  -f FILE          publish the contents of FILE\n"
         "  -n               publish a zero-length message\n"
         "  -q QOS           quality of service 0, 1 or 2 (default 0)\n"
         "  -r               retain (pub)\n"
         "  -i ID            client id (default mqttd-cli-PID)\n"
         "  -u USER, -P PASS username and password\n"
         "  -k SECONDS       keepalive (default 60)\n"
         "  -c               no clean session (keep the session)\n"
         "  -C COUNT         sub: exit after COUNT messages\n"
         "  -v               sub: print 'topic payload'\n"
         "  -N               sub: no newline after each payload\n"
         "  -W SECONDS       exit with code 27 after SECONDS\n"
         "  -V 311|5         MQTT protocol version (default 311)\n"
         "  -d               debug output on stderr\n"
         "  --transport quic|tcp|simple   (default quic); simple: the gateway's unencrypted\n"
         "                   simple framing over UDP on its QUIC port (no TLS options)\n"
         "  --cafile FILE    trusted CA certificates (PEM); default: the system store\n"
         "  --insecure       do not verify the server certificate\n"
         "  --alpn LIST      ALPN protocols to offer, comma separated (default mqtt)\n"
         "  --repeat COUNT   pub: publish COUNT times, one after the other (QoS > 0: after the\n"
         "                   previous one is acknowledged); '%n' in -m becomes 1..COUNT\n"
         "  --repeat-delay SECONDS   pub: pause between repeated publishes (e.g. 0.01)\n"
         "  --migrate-after N  quic: move the connection to a new local UDP port (active\n"
         "                   migration, RFC 9000 §9) after N messages published or received;\n"
         "                   simple: send from a new local UDP port (the server follows it)\n"
         "  --session-file F quic: resume the session saved in F (if any) with 0-RTT, so the\n"
         "                   CONNECT travels in the first flight; save the server's new\n"
         "                   ticket in F at exit. Needs listeners.quic.zero_rtt on the server\n";
}

std::optional<long> parseNumber(const std::string& text, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < lo || v > hi) return std::nullopt;
  return v;
}

// Returns an error text, or nullopt when the options are good.
std::optional<std::string> parseArgs(int argc, char** argv, CliOptions& o) {
  if (argc < 2) return "missing command: pub or sub";
  const std::string cmd = argv[1];
  if (cmd == "pub") o.publish = true;
  else if (cmd == "sub") o.publish = false;
  else return "unknown command '" + cmd + "': use pub or sub";

  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    auto number = [&](long lo, long hi) -> std::optional<long> {
      if (!value(v)) return std::nullopt;
      return parseNumber(v, lo, hi);
    };
    auto bad = [&](std::string_view what) { return "option " + a + ": " + std::string(what); };
    if (a == "-h" || a == "--host") {
      if (!value(o.host)) return bad("needs a host");
    } else if (a == "-p" || a == "--port") {
      auto n = number(1, 65535);
      if (!n) return bad("needs a port 1..65535");
      o.port = static_cast<uint16_t>(*n);
    } else if (a == "-t" || a == "--topic") {
      if (!value(v) || v.empty()) return bad("needs a topic");
      o.topics.push_back(v);
    } else if (a == "-m" || a == "--message") {
      if (!value(v)) return bad("needs a message");
      o.message = v;
    } else if (a == "-f" || a == "--file") {
      if (!value(v)) return bad("needs a file name");
      o.file = v;
    } else if (a == "-n" || a == "--null-message") {
      o.null_message = true;
    } else if (a == "-q" || a == "--qos") {
      auto n = number(0, 2);
      if (!n) return bad("QoS must be 0, 1 or 2");
      o.qos = static_cast<uint8_t>(*n);
    } else if (a == "-r" || a == "--retain") {
      o.retain = true;
    } else if (a == "-i" || a == "--id") {
      if (!value(o.client_id)) return bad("needs a client id");
    } else if (a == "-u" || a == "--username") {
      if (!value(v)) return bad("needs a username");
      o.username = v;
    } else if (a == "-P" || a == "--pw") {
      if (!value(v)) return bad("needs a password");
      o.password = v;
    } else if (a == "-k" || a == "--keepalive") {
      auto n = number(0, 65535);
      if (!n) return bad("keepalive must be 0..65535 seconds");
      o.keepalive = static_cast<uint16_t>(*n);
    } else if (a == "-c" || a == "--disable-clean-session") {
      o.clean = false;
    } else if (a == "-C") {
      auto n = number(1, 1L << 30);
      if (!n) return bad("needs a positive count");
      o.count = *n;
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else if (a == "-N") {
      o.no_newline = true;
    } else if (a == "-W") {
      auto n = number(1, 1L << 30);
      if (!n) return bad("needs a positive number of seconds");
      o.timeout_s = *n;
    } else if (a == "-V" || a == "--protocol-version") {
      if (!value(v)) return bad("needs 311 or 5");
      if (v == "311" || v == "mqttv311") o.version = mqtt::ProtocolVersion::kV311;
      else if (v == "5" || v == "mqttv5") o.version = mqtt::ProtocolVersion::kV5;
      else return bad("'" + v + "' is not 311 or 5");
    } else if (a == "-d" || a == "--debug") {
      o.debug = true;
    } else if (a == "--transport") {
      if (!value(v)) return bad("needs quic, tcp or simple");
      if (v == "quic") o.transport = Transport::kQuic;
      else if (v == "tcp") o.transport = Transport::kTcp;
      else if (v == "simple") o.transport = Transport::kSimple;
      else return bad("'" + v + "' is not quic, tcp or simple");
    } else if (a == "--cafile") {
      if (!value(o.cafile)) return bad("needs a file name");
      o.tls_options = true;
    } else if (a == "--insecure") {
      o.insecure = true;
      o.tls_options = true;
    } else if (a == "--alpn") {
      o.tls_options = true;
      if (!value(v)) return bad("needs a comma-separated list");
      std::stringstream ss(v);
      for (std::string p; std::getline(ss, p, ',');) {
        if (p.empty()) return bad("empty protocol name in '" + v + "'");
        o.alpn.push_back(p);
      }
    } else if (a == "--repeat") {
      auto n = number(1, 1L << 30);
      if (!n) return bad("needs a positive count");
      o.repeat = *n;
    } else if (a == "--repeat-delay") {
      char* end = nullptr;
      if (!value(v)) return bad("needs a number of seconds");
      o.repeat_delay = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || o.repeat_delay < 0 || o.repeat_delay > 3600)
        return bad("needs a number of seconds, 0..3600");
    } else if (a == "--migrate-after") {
      auto n = number(1, 1L << 30);
      if (!n) return bad("needs a positive number of messages");
      o.migrate_after = *n;
    } else if (a == "--session-file") {
      if (!value(o.session_file) || o.session_file.empty()) return bad("needs a file name");
    } else if (a == "--help") {
      usage(std::cout);
      std::exit(kExitOk);
    } else {
      return "unknown option '" + a + "'";
    }
  }
  if (o.topics.empty()) return "no topic given (-t)";
  if (o.publish) {
    if (o.topics.size() > 1) return "pub takes one topic";
    const int sources = (o.message ? 1 : 0) + (o.file ? 1 : 0) + (o.null_message ? 1 : 0);
    if (sources != 1) return "pub needs exactly one of -m, -f or -n";
  }
  if (o.migrate_after > 0 && o.transport == Transport::kTcp)
    return "--migrate-after needs --transport quic or simple";
  if (!o.session_file.empty() && o.transport != Transport::kQuic)
    return "--session-file needs --transport quic";
  if (o.tls_options && o.transport == Transport::kSimple)
    return "--cafile, --insecure and --alpn need --transport quic: the simple framing has no "
           "TLS (it is unencrypted)";
  if (!o.port) o.port = o.transport == Transport::kTcp ? 1883 : 14567;
  if (o.client_id.empty()) o.client_id = "mqttd-cli-" + std::to_string(getpid());
  if (o.alpn.empty()) o.alpn.push_back("mqtt");
  return std::nullopt;
}


int exitCodeFor(const MqttClose& c) {
  switch (c.reason) {
    case MqttCloseReason::kDisconnected: return kExitOk;
    case MqttCloseReason::kConnackRefused: return kExitConnack;
    case MqttCloseReason::kTransportClosed:
      if (!c.transport) return kExitError;
      switch (c.transport->reason) {
        case TransportCloseReason::kConnectFailed:
        case TransportCloseReason::kHandshakeTimeout: return kExitConnectFailed;
        case TransportCloseReason::kTlsVerifyFailed:
        case TransportCloseReason::kHandshakeFailed: return kExitTls;
        default: return kExitError;
      }
    default: return kExitError;
  }
}

std::string errorText(const MqttClose& c) {
  if (c.reason == MqttCloseReason::kConnackRefused) return "Connection error: " + c.text;
  if (c.reason == MqttCloseReason::kTransportClosed && c.transport &&
      c.transport->reason == TransportCloseReason::kConnectFailed) {
    const std::string& why = c.transport->text;
    return why == "Connection refused" ? "Error: Connection refused" : "Error: " + why;
  }
  return "Error: " + c.text;
}

class Cli {
 public:
  Cli(EventLoop& loop, CliOptions options) : loop_(loop), o_(std::move(options)) {}

  int run() {
    if (o_.debug) Log::configure(LogLevel::kDebug, LogFormat::kText);
    if (o_.publish && !loadPayload()) return kExitError;
    auto peer = client::resolveHost(o_.host, *o_.port);
    if (!peer) {
      std::cerr << "Error: " << peer.error() << "\n";
      return kExitError;
    }
    if (o_.transport == Transport::kQuic) {
      QuicClientConnection::Options q;
      q.tls.alpn = o_.alpn;
      q.tls.server_name = o_.host;
      q.tls.ca_file = o_.cafile;
      q.tls.insecure = o_.insecure;
      q.debug_log = std::getenv("MQTTD_NGTCP2_DEBUG") != nullptr;
      if (!o_.session_file.empty() && access(o_.session_file.c_str(), F_OK) == 0) {
        auto ticket = ResumptionTicket::load(o_.session_file);
        if (ticket) {
          q.resume = std::make_shared<const ResumptionTicket>(std::move(*ticket));
        } else {
          std::cerr << "Warning: " << ticket.error() << " (full handshake)\n";
        }
      }
      auto quic = std::make_unique<QuicClientConnection>(loop_, std::move(q));
      quic_ = quic.get();
      transport_ = std::move(quic);
    } else if (o_.transport == Transport::kSimple) {
      SimpleClientConnection::Options so;
      so.debug_log = std::getenv("MQTTD_SIMPLE_DEBUG") != nullptr;  // one line per packet
      auto simple = std::make_unique<SimpleClientConnection>(loop_, std::move(so));
      simple_ = simple.get();
      transport_ = std::move(simple);
    } else {
      transport_ = std::make_unique<TcpClientTransport>(loop_);
    }
    MqttClientOptions m;
    m.version = o_.version;
    m.client_id = o_.client_id;
    m.clean_start = o_.clean;
    m.keep_alive = o_.keepalive;
    m.username = o_.username;
    m.password = o_.password;
    client_ = std::make_unique<MqttClient>(
        loop_, *transport_, std::move(m),
        MqttClient::Callbacks{
            .on_connected = [this](bool) { onConnected(); },
            .on_message = [this](const MqttMessage& msg) { onMessage(msg); },
            .on_published = [this](uint16_t, uint8_t code) { onPublished(code); },
            .on_subscribed = [this](uint16_t, std::vector<uint8_t> codes) {
              onSubscribed(codes);
            },
            .on_unsubscribed = nullptr,
            .on_closed = [this](const MqttClose& c) { onClosed(c); },
        });
    if (auto r = client_->connect(*peer); !r) {
      std::cerr << "Error: " << r.error() << "\n";
      return kExitError;
    }
    SignalWatch sigint(loop_, SIGINT, [this] { client_->disconnect(); });
    SignalWatch sigterm(loop_, SIGTERM, [this] { client_->disconnect(); });
    std::unique_ptr<Timer> deadline;
    if (o_.timeout_s > 0) {
      deadline = std::make_unique<Timer>(loop_, [this] {
        std::cerr << "Timed out\n";
        exit_ = kExitTimeout;
        timed_out_ = true;
        client_->disconnect();
      });
      deadline->start(std::chrono::seconds(o_.timeout_s));
    }
    loop_.run();
    if (quic_ != nullptr && !o_.session_file.empty()) {
      if (o_.debug) {
        std::cerr << (quic_->resumed() ? "Session resumed" : "Full handshake")
                  << (quic_->resumed() ? (quic_->earlyDataAccepted() ? ", 0-RTT accepted"
                                                                     : ", 0-RTT rejected")
                                       : "")
                  << "\n";
      }
      if (quic_->ticket()) {
        if (auto r = quic_->ticket()->save(o_.session_file); !r)
          std::cerr << "Warning: " << r.error() << "\n";
      }
    }
    return exit_;
  }

 private:
  bool loadPayload() {
    if (o_.message) {
      payload_.assign(o_.message->begin(), o_.message->end());
    } else if (o_.file) {
      std::ifstream in(*o_.file, std::ios::binary);
      if (!in) {
        std::cerr << "Error: cannot open '" << *o_.file << "': " << std::strerror(errno) << "\n";
        return false;
      }
      payload_.assign(std::istreambuf_iterator<char>(in), {});
    }
    return true;
  }

  void onConnected() {
    if (o_.publish) {
      publishNext();
      return;
    }
    std::vector<std::pair<std::string, uint8_t>> filters;
    for (const auto& t : o_.topics) filters.emplace_back(t, o_.qos);
    if (auto r = client_->subscribe(filters); !r) {
      std::cerr << "Error: " << r.error() << "\n";
      exit_ = kExitError;
      client_->disconnect();
    }
  }

  // Publishes message number published_ + 1; QoS 0 goes on to the next one at once (or after
  // --repeat-delay), QoS > 0 when the broker acknowledged it (onPublished).
  void publishNext() {
    ++published_;
    std::vector<uint8_t> payload = payload_;
    if (o_.repeat > 1 && o_.message) {
      const std::string n = std::to_string(published_);
      std::string text(payload.begin(), payload.end());
      for (size_t at = text.find("%n"); at != std::string::npos; at = text.find("%n", at + n.size()))
        text.replace(at, 2, n);
      payload.assign(text.begin(), text.end());
    }
    auto r = client_->publish(o_.topics.front(), payload, o_.qos, o_.retain);
    if (!r) {
      std::cerr << "Error: " << r.error() << "\n";
      exit_ = kExitError;
      client_->disconnect();
      return;
    }
    if (o_.qos == 0) afterMessage(published_);
  }

  // One message done (QoS 0 sent, QoS > 0 acknowledged): migrate if asked, then the next one
  // or DISCONNECT (which follows the last PUBLISH in order).
  void afterMessage(long done) {
    maybeMigrate(done);
    if (done >= o_.repeat) {
      client_->disconnect();
      return;
    }
    if (o_.repeat_delay > 0) {
      if (!repeat_timer_) repeat_timer_ = std::make_unique<Timer>(loop_, [this] { publishNext(); });
      repeat_timer_->start(std::chrono::nanoseconds(static_cast<int64_t>(o_.repeat_delay * 1e9)));
    } else {
      next_.schedule();  // from the loop: no recursion over thousands of QoS 0 messages
    }
  }

  void maybeMigrate(long done) {
    if (o_.migrate_after == 0 || done != o_.migrate_after) return;
    if (quic_ != nullptr) {
      if (auto r = quic_->migrate(); !r) {
        std::cerr << "Warning: " << r.error() << "\n";
        return;
      }
      if (o_.debug)
        std::cerr << "Migrated to local address " << quic_->localAddress().toString() << "\n";
    } else if (simple_ != nullptr) {
      if (auto r = simple_->rebind(); !r) {
        std::cerr << "Warning: " << r.error() << "\n";
        return;
      }
      if (o_.debug)
        std::cerr << "Migrated to local address " << simple_->localAddress().toString() << "\n";
    }
  }

  void onPublished(uint8_t code) {
    if (code >= 0x80) {
      std::cerr << "Warning: Publish failed: reason code " << int(code) << "\n";
      exit_ = kExitError;
      client_->disconnect();
      return;
    }
    afterMessage(published_);
  }

  void onSubscribed(const std::vector<uint8_t>& codes) {
    for (uint8_t c : codes) {
      if (c >= 0x80) {
        std::cerr << "Error: Subscription failed (code " << int(c) << ")\n";
        exit_ = kExitError;
        client_->disconnect();
        return;
      }
    }
  }

  void onMessage(const MqttMessage& m) {
    if (o_.count > 0 && received_ >= o_.count) return;
    if (o_.verbose) std::cout << m.topic << ' ';
    std::cout.write(reinterpret_cast<const char*>(m.payload.data()),
                    static_cast<std::streamsize>(m.payload.size()));
    if (!o_.no_newline) std::cout << '\n';
    std::cout.flush();
    ++received_;
    maybeMigrate(received_);
    if (o_.count > 0 && received_ >= o_.count) client_->disconnect();
  }

  void onClosed(const MqttClose& c) {
    if (!timed_out_) {
      const int code = exitCodeFor(c);
      if (code != kExitOk) {
        std::cerr << errorText(c) << "\n";
        exit_ = code;
      }
    }
    loop_.stop();
  }

  EventLoop& loop_;
  CliOptions o_;
  std::vector<uint8_t> payload_;
  std::unique_ptr<ClientTransport> transport_;  // declared before client_: outlives it
  QuicClientConnection* quic_ = nullptr;         // transport_ when it is QUIC
  SimpleClientConnection* simple_ = nullptr;     // transport_ when it is the simple framing
  std::unique_ptr<MqttClient> client_;
  int exit_ = kExitOk;
  long received_ = 0;
  long published_ = 0;                  // pub: messages handed to the client so far
  std::unique_ptr<Timer> repeat_timer_;  // --repeat-delay
  Deferred next_{loop_, [this] { publishNext(); }};
  bool timed_out_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  CliOptions options;
  if (auto error = parseArgs(argc, argv, options)) {
    std::cerr << "Error: " << *error << "\n";
    usage(std::cerr);
    return kExitError;
  }
  mqttd::Log::configure(mqttd::LogLevel::kOff, mqttd::LogFormat::kText);
  mqttd::EventLoop loop;
  Cli cli(loop, std::move(options));
  return cli.run();
}
