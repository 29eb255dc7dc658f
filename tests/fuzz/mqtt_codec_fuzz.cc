// libFuzzer target for the MQTT codec: fixed-header loop, whole-packet decode for 3.1.1 and
// 5.0, PUBLISH header on every body prefix, and encode/decode/encode stability.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "mqtt/fixed_header.h"
#include "mqtt/packet.h"
#include "mqtt/publish_header.h"
#include "mqtt/topic.h"

namespace {

using namespace mqttd::mqtt;

// Anything a peer can send must decode to a typed error, never crash; a decoded packet must
// re-encode, and decoding that encoding must give the same encoding again.
void checkReencode(const Packet& packet, ProtocolVersion version) {
  std::vector<uint8_t> first;
  if (!encodePacket(packet, version, first)) abort();
  auto header = decodeFixedHeader(first, kMaxPacketSizeLimit);
  if (!header || !header->has_value()) abort();
  if ((*header)->packetSize() != first.size()) abort();
  auto again = decodePacket(**header, std::span(first).subspan((*header)->size), version);
  if (!again) abort();
  std::vector<uint8_t> second;
  if (!encodePacket(*again, version, second)) abort();
  if (first != second) abort();
}

void checkPublishPrefixes(const FixedHeader& header, std::span<const uint8_t> available,
                          ProtocolVersion version) {
  std::optional<uint32_t> header_length;
  const size_t limit = std::min<size_t>(available.size(), header.remaining_length);
  for (size_t n = 0; n <= limit; ++n) {
    auto r = decodePublishHeader(header, available.first(n), version);
    if (!r) {
      if (header_length) abort();  // once complete, a longer prefix cannot fail
      return;
    }
    if (!r->has_value()) {
      if (header_length) abort();
      continue;
    }
    if ((*r)->header_length > n) abort();
    if ((*r)->header_length + (*r)->payload_length != header.remaining_length) abort();
    if (header_length && *header_length != (*r)->header_length) abort();
    header_length = (*r)->header_length;
  }
}

void decodeStream(std::span<const uint8_t> rest, ProtocolVersion version) {
  while (!rest.empty()) {
    auto header = decodeFixedHeader(rest, kMaxPacketSizeLimit);
    if (!header || !header->has_value()) return;
    const FixedHeader h = **header;
    const auto available = rest.subspan(h.size);
    if (h.type == PacketType::kPublish) checkPublishPrefixes(h, available, version);
    if (available.size() < h.remaining_length) return;
    auto packet = decodePacket(h, available.first(h.remaining_length), version);
    if (packet) {
      checkReencode(*packet, version);
      if (const auto* pub = std::get_if<PublishPacket>(&*packet)) {
        if (!pub->topic.empty() && !isValidTopicName(pub->topic)) abort();
      }
      if (const auto* sub = std::get_if<SubscribePacket>(&*packet)) {
        for (const auto& s : sub->subscriptions) {
          if (!isValidTopicFilter(s.filter)) abort();
          if (!s.filter.empty() && s.filter[0] != '$') (void)topicMatches(s.filter, "a/b/c");
        }
      }
    }
    rest = rest.subspan(h.packetSize());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  decodeStream(input, ProtocolVersion::kV311);
  decodeStream(input, ProtocolVersion::kV5);
  // Small maximum packet size: the limit check must hold on any prefix.
  for (size_t n = 0; n <= std::min<size_t>(size, 6); ++n) {
    (void)decodeFixedHeader(input.first(n), 64);
  }
  return 0;
}
