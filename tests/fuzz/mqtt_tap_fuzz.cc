// libFuzzer target for the MqttTap with local routing (docs/routing.md): a client byte stream,
// after a CONNECT, through a tap whose routes are a hash of the topic (forward, tap, local, drop,
// drop-disconnect). Checks: no crash; the same result whether the stream comes whole or in
// small pieces (forwarded bytes, gateway replies, captured messages, error); and, when the stream
// ends between packets, what goes to the broker and what goes back to the client decode as MQTT
// (the alias write-back and the swallowed packets must never leave a broken stream).
#include <event2/buffer.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "mqtt/fixed_header.h"
#include "mqtt/packet.h"
#include "splice/mqtt_tap.h"

namespace {

using mqttd::MqttTap;
using mqttd::PublishInfo;
using mqttd::PublishVerdict;
using mqttd::mqtt::ProtocolVersion;
using Bytes = std::vector<uint8_t>;

// CONNECT, clean session, keepalive 60, client id "f"; level 4 (3.1.1) or 5.
Bytes connectPacket(bool v5) {
  Bytes p{0x10, 0x00, 0x00, 0x04, 'M', 'Q', 'T', 'T', static_cast<uint8_t>(v5 ? 5 : 4), 0x02,
          0x00, 0x3c};
  if (v5) p.push_back(0x00);
  p.insert(p.end(), {0x00, 0x01, 'f'});
  p[1] = static_cast<uint8_t>(p.size() - 2);
  return p;
}

PublishVerdict verdictFor(std::string_view topic) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : topic) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  using D = PublishVerdict::Disposition;
  switch (h % 5) {
    case 0: return {D::kForward, false};
    case 1: return {D::kForward, true};
    case 2: return {D::kLocal, true};
    case 3: return {D::kDrop, false};
    default: return {D::kDropDisconnect, false};
  }
}

struct Outcome {
  Bytes forwarded;
  Bytes replies;
  std::string captured;  // topic '\0' payload '\0' per message
  bool failed = false;
  bool at_boundary = false;
};

Outcome run(const Bytes& stream, size_t piece) {
  Outcome o;
  MqttTap tap(1 << 16);
  tap.on_publish = [](const PublishInfo& info) { return verdictFor(info.topic); };
  tap.on_captured = [&o](const PublishInfo& info, std::string payload) {
    o.captured.append(info.topic).push_back('\0');
    o.captured.append(payload).push_back('\0');
  };
  tap.on_reply = [&o](Bytes packet) { o.replies.insert(o.replies.end(), packet.begin(), packet.end()); };
  evbuffer* out = evbuffer_new();
  for (size_t i = 0; i < stream.size() && !o.failed; i += piece) {
    const size_t n = std::min(piece, stream.size() - i);
    auto used = tap.process(std::span<const uint8_t>(stream.data() + i, n), out);
    if (!used) o.failed = true;
  }
  o.forwarded.resize(evbuffer_get_length(out));
  evbuffer_copyout(out, o.forwarded.data(), o.forwarded.size());
  evbuffer_free(out);
  o.at_boundary = tap.atPacketBoundary();
  return o;
}

// Every packet in `bytes` decodes (whole packets only; `bytes` must end at a boundary).
void checkDecodes(const Bytes& bytes, ProtocolVersion version) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const auto rest = std::span<const uint8_t>(bytes).subspan(pos);
    auto header = mqttd::mqtt::decodeFixedHeader(rest.first(std::min<size_t>(5, rest.size())),
                                                 mqttd::mqtt::kMaxPacketSizeLimit);
    if (!header || !header->has_value()) abort();
    const auto& h = **header;
    if (h.packetSize() > rest.size()) abort();
    auto packet = mqttd::mqtt::decodePacket(h, rest.subspan(h.size, h.remaining_length), version);
    if (!packet) abort();
    pos += h.packetSize();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool v5 = data[0] & 1;
  const size_t piece = 1 + data[1] % 16;
  Bytes stream = connectPacket(v5);
  stream.insert(stream.end(), data + 2, data + size);

  const Outcome whole = run(stream, stream.size());
  const Outcome pieces = run(stream, piece);
  if (whole.failed != pieces.failed) abort();
  if (!whole.failed) {
    if (whole.forwarded != pieces.forwarded || whole.replies != pieces.replies ||
        whole.captured != pieces.captured)
      abort();
    const ProtocolVersion version = v5 ? ProtocolVersion::kV5 : ProtocolVersion::kV311;
    if (whole.at_boundary) checkDecodes(whole.forwarded, version);
    checkDecodes(whole.replies, version);
  }
  return 0;
}
