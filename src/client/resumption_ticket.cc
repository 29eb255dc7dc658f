#include "client/resumption_ticket.h"

#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace mqttd::client {
namespace {

constexpr const char* kMagic = "mqttd-session 1";

struct Field {
  const char* name;
  uint64_t ResumptionTicket::*member;
};
constexpr Field kFields[] = {
    {"initial_max_data", &ResumptionTicket::initial_max_data},
    {"initial_max_stream_data_bidi_local", &ResumptionTicket::initial_max_stream_data_bidi_local},
    {"initial_max_stream_data_bidi_remote", &ResumptionTicket::initial_max_stream_data_bidi_remote},
    {"initial_max_stream_data_uni", &ResumptionTicket::initial_max_stream_data_uni},
    {"initial_max_streams_bidi", &ResumptionTicket::initial_max_streams_bidi},
    {"initial_max_streams_uni", &ResumptionTicket::initial_max_streams_uni},
    {"active_connection_id_limit", &ResumptionTicket::active_connection_id_limit},
    {"max_datagram_frame_size", &ResumptionTicket::max_datagram_frame_size},
};

// RFC 9000 §7.4.1's list, as ResumptionTicket fields and as ngtcp2 fields.
struct Remembered {
  uint64_t ResumptionTicket::*ours;
  uint64_t ngtcp2_transport_params::*theirs;
};
constexpr Remembered kRemembered[] = {
    {&ResumptionTicket::initial_max_data, &ngtcp2_transport_params::initial_max_data},
    {&ResumptionTicket::initial_max_stream_data_bidi_local,
     &ngtcp2_transport_params::initial_max_stream_data_bidi_local},
    {&ResumptionTicket::initial_max_stream_data_bidi_remote,
     &ngtcp2_transport_params::initial_max_stream_data_bidi_remote},
    {&ResumptionTicket::initial_max_stream_data_uni,
     &ngtcp2_transport_params::initial_max_stream_data_uni},
    {&ResumptionTicket::initial_max_streams_bidi, &ngtcp2_transport_params::initial_max_streams_bidi},
    {&ResumptionTicket::initial_max_streams_uni, &ngtcp2_transport_params::initial_max_streams_uni},
    {&ResumptionTicket::active_connection_id_limit,
     &ngtcp2_transport_params::active_connection_id_limit},
    {&ResumptionTicket::max_datagram_frame_size, &ngtcp2_transport_params::max_datagram_frame_size},
};

}  // namespace

void ResumptionTicket::rememberFrom(const ngtcp2_transport_params& params) {
  for (const Remembered& r : kRemembered) this->*r.ours = params.*r.theirs;
}

void ResumptionTicket::applyTo(ngtcp2_transport_params& params) const {
  for (const Remembered& r : kRemembered) params.*r.theirs = this->*r.ours;
}

std::string ResumptionTicket::encode() const {
  gnutls_datum_t raw{const_cast<unsigned char*>(tls_session.data()),
                     static_cast<unsigned>(tls_session.size())};
  gnutls_datum_t b64{};
  std::string out = std::string(kMagic) + "\n";
  if (gnutls_base64_encode2(&raw, &b64) == 0) {
    out += "tls=" + std::string(reinterpret_cast<const char*>(b64.data), b64.size) + "\n";
    gnutls_free(b64.data);
  }
  for (const Field& f : kFields) out += std::string(f.name) + "=" + std::to_string(this->*f.member) + "\n";
  return out;
}

Result<ResumptionTicket, std::string> ResumptionTicket::decode(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return fail(std::string("not a session file"));
  ResumptionTicket t;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "tls") {
      gnutls_datum_t b64{reinterpret_cast<unsigned char*>(const_cast<char*>(value.data())),
                         static_cast<unsigned>(value.size())};
      gnutls_datum_t raw{};
      if (gnutls_base64_decode2(&b64, &raw) != 0) return fail(std::string("bad TLS session data"));
      t.tls_session.assign(raw.data, raw.data + raw.size);
      gnutls_free(raw.data);
      continue;
    }
    for (const Field& f : kFields) {
      if (key == f.name) t.*f.member = std::strtoull(value.c_str(), nullptr, 10);
    }
  }
  if (t.tls_session.empty()) return fail(std::string("no TLS session data"));
  return t;
}

Result<ResumptionTicket, std::string> ResumptionTicket::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot open session file '" + path + "': " + std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  auto t = decode(text);
  if (!t) return fail("session file '" + path + "': " + t.error());
  return t;
}

Result<void, std::string> ResumptionTicket::save(const std::string& path) const {
  const std::string text = encode();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot write session file '" + path + "': " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return fail("cannot write session file '" + path + "'");
  return {};
}

}  // namespace mqttd::client
