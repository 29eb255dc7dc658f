#include "admin/metrics.h"

#include "mqtt/packet_type.h"

namespace mqttd {

std::string_view toString(Transport transport) {
  switch (transport) {
    case Transport::kTcp: return "tcp";
    case Transport::kQuic: return "quic";
    case Transport::kSimple: return "simple";
  }
  return "unknown";
}

std::string_view toString(Direction direction) {
  return direction == Direction::kToBroker ? "to_broker" : "to_client";
}

std::string_view toString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kMalformedPacket: return "malformed_packet";
    case ErrorKind::kPacketTooLarge: return "packet_too_large";
    case ErrorKind::kProtocolViolation: return "protocol_violation";
    case ErrorKind::kConnectTimeout: return "connect_timeout";
    case ErrorKind::kUpstreamLost: return "upstream_lost";
    case ErrorKind::kClientReset: return "client_reset";
    case ErrorKind::kConnectionLimit: return "connection_limit";
    case ErrorKind::kRouteRefused: return "route_refused";
  }
  return "unknown";
}

std::string_view toString(QuicEvent event) {
  switch (event) {
    case QuicEvent::kRetrySent: return "retry_sent";
    case QuicEvent::kVersionNegotiationSent: return "version_negotiation_sent";
    case QuicEvent::kStatelessResetSent: return "stateless_reset_sent";
    case QuicEvent::kConnectionRefused: return "connection_refused";
    case QuicEvent::kHandshakeFailed: return "handshake_failed";
    case QuicEvent::kRepliesRateLimited: return "replies_rate_limited";
    case QuicEvent::kPathMigrated: return "path_migrated";
    case QuicEvent::kSimpleCookieSent: return "simple_cookie_sent";
    case QuicEvent::kSimpleHandshakeInvalid: return "simple_handshake_invalid";
    case QuicEvent::kSessionResumed: return "session_resumed";
    case QuicEvent::kZeroRttAccepted: return "zero_rtt_accepted";
    case QuicEvent::kZeroRttStreams: return "zero_rtt_streams";
    case QuicEvent::kDatagramHandedOver: return "datagram_handed_over";
  }
  return "unknown";
}

std::string_view toString(CertificateReload result) {
  return result == CertificateReload::kOk ? "ok" : "error";
}

void Metrics::connectionOpened(Transport t) {
  connections_current_[static_cast<size_t>(t)].fetch_add(1, kRelaxed);
  connections_total_[static_cast<size_t>(t)].fetch_add(1, kRelaxed);
}

void Metrics::connectionClosed(Transport t) {
  connections_current_[static_cast<size_t>(t)].fetch_sub(1, kRelaxed);
}

void Metrics::addBytes(Transport t, Direction d, uint64_t n) {
  bytes_[static_cast<size_t>(t)][static_cast<size_t>(d)].fetch_add(n, kRelaxed);
}

void Metrics::addPacket(Direction d, uint8_t type) {
  packets_[static_cast<size_t>(d)][type & 0x0f].fetch_add(1, kRelaxed);
}

void Metrics::addError(ErrorKind kind) { errors_[static_cast<size_t>(kind)].fetch_add(1, kRelaxed); }

uint64_t Metrics::connectionsCurrent(Transport t) const {
  return connections_current_[static_cast<size_t>(t)].load(kRelaxed);
}
uint64_t Metrics::connectionsTotal(Transport t) const {
  return connections_total_[static_cast<size_t>(t)].load(kRelaxed);
}
uint64_t Metrics::packets(Direction d, uint8_t type) const {
  return packets_[static_cast<size_t>(d)][type & 0x0f].load(kRelaxed);
}
uint64_t Metrics::errors(ErrorKind kind) const {
  return errors_[static_cast<size_t>(kind)].load(kRelaxed);
}

std::string Metrics::renderPrometheus() const {
  std::string out;
  auto line = [&out](std::string_view name, std::string_view labels, uint64_t value) {
    out += name;
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  auto header = [&out](std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
    out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
  };
  constexpr Transport kTransports[] = {Transport::kTcp, Transport::kQuic, Transport::kSimple};

  header("mqttd_build_info", "gauge", "Build information.");
  line("mqttd_build_info", "version=\"" MQTTD_VERSION "\"", 1);

  header("mqttd_connections_current", "gauge", "Open client connections.");
  for (Transport t : kTransports)
    line("mqttd_connections_current", "transport=\"" + std::string(toString(t)) + "\"",
         connectionsCurrent(t));
  header("mqttd_connections_total", "counter", "Client connections accepted.");
  for (Transport t : kTransports)
    line("mqttd_connections_total", "transport=\"" + std::string(toString(t)) + "\"",
         connectionsTotal(t));

  header("mqttd_bytes_total", "counter", "Bytes spliced, by transport and direction.");
  for (Transport t : kTransports)
    for (Direction d : {Direction::kToBroker, Direction::kToClient})
      line("mqttd_bytes_total",
           "transport=\"" + std::string(toString(t)) + "\",direction=\"" +
               std::string(toString(d)) + "\"",
           bytes_[static_cast<size_t>(t)][static_cast<size_t>(d)].load(kRelaxed));

  header("mqttd_mqtt_packets_total", "counter", "MQTT control packets, by type and direction.");
  for (Direction d : {Direction::kToBroker, Direction::kToClient})
    for (uint8_t type = 1; type <= 15; ++type)
      line("mqttd_mqtt_packets_total",
           "type=\"" + std::string(mqtt::toString(static_cast<mqtt::PacketType>(type))) +
               "\",direction=\"" + std::string(toString(d)) + "\"",
           packets(d, type));

  header("mqttd_upstream_connect_failures_total", "counter",
         "Failed or timed-out connections to the broker.");
  line("mqttd_upstream_connect_failures_total", "", upstreamConnectFailures());

  header("mqttd_errors_total", "counter", "Client connections closed for a reason, by kind.");
  for (size_t k = 0; k < kErrorKindCount; ++k)
    line("mqttd_errors_total", "kind=\"" + std::string(toString(static_cast<ErrorKind>(k))) + "\"",
         errors(static_cast<ErrorKind>(k)));

  header("mqttd_quic_events_total", "counter",
         "QUIC front-end events: Retry, version negotiation, stateless resets, refusals.");
  for (size_t e = 0; e < kQuicEventCount; ++e)
    line("mqttd_quic_events_total",
         "event=\"" + std::string(toString(static_cast<QuicEvent>(e))) + "\"",
         quicEvents(static_cast<QuicEvent>(e)));

  const int64_t not_after = certificate_not_after_.load(kRelaxed);
  if (not_after != kNoCertificate) {
    header("mqttd_tls_certificate_reloads_total", "counter",
           "Re-reads of listeners.quic.cert and .key that put a new pair in force (ok) or failed "
           "(error: the previous pair stays).");
    for (CertificateReload r : {CertificateReload::kOk, CertificateReload::kError})
      line("mqttd_tls_certificate_reloads_total", "result=\"" + std::string(toString(r)) + "\"",
           certificateReloads(r));
    header("mqttd_tls_certificate_not_after_seconds", "gauge",
           "notAfter of the QUIC listener's certificate in force, unix seconds.");
    out += "mqttd_tls_certificate_not_after_seconds " + std::to_string(not_after) + "\n";
  }
  return out;
}

}  // namespace mqttd
