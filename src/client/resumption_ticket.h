// ResumptionTicket: what a client keeps from one QUIC connection to resume the next one with
// 0-RTT (RFC 9001 §4.6): the TLS session data GnuTLS serialises from the server's
// NewSessionTicket, and the server transport parameters that 0-RTT data must respect
// (RFC 9000 §7.4.1). Saved as a small text file (mqttd-cli --session-file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ngtcp2/ngtcp2.h>

#include "core/result.h"

namespace mqttd::client {

struct ResumptionTicket {
  std::vector<uint8_t> tls_session;  // gnutls_session_get_data2()
  // The remembered transport parameters (RFC 9000 §7.4.1).
  uint64_t initial_max_data = 0;
  uint64_t initial_max_stream_data_bidi_local = 0;
  uint64_t initial_max_stream_data_bidi_remote = 0;
  uint64_t initial_max_stream_data_uni = 0;
  uint64_t initial_max_streams_bidi = 0;
  uint64_t initial_max_streams_uni = 0;
  uint64_t active_connection_id_limit = 0;
  uint64_t max_datagram_frame_size = 0;

  // The remembered parameters from / into ngtcp2's struct (other fields untouched).
  void rememberFrom(const ngtcp2_transport_params& params);
  void applyTo(ngtcp2_transport_params& params) const;

  std::string encode() const;
  static Result<ResumptionTicket, std::string> decode(const std::string& text);
  // File I/O; the file is written with mode 0600 (it lets its holder resume the session).
  static Result<ResumptionTicket, std::string> load(const std::string& path);
  Result<void, std::string> save(const std::string& path) const;
};

}  // namespace mqttd::client
