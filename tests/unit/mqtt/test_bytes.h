// Helpers shared by the MQTT codec tests: hex fixtures, whole-packet decode, truncation.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/fixed_header.h"
#include "mqtt/packet.h"
#include "../hex_bytes.h"

namespace mqttd::mqtt::testing {

using mqttd::testing::hex;

inline std::vector<uint8_t> bytesOf(std::string_view text) {
  return {text.begin(), text.end()};
}

inline std::string_view textOf(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Decodes one whole packet (fixed header + body) that must fill `wire` exactly.
inline Result<Packet, CodecError> decodeWire(std::span<const uint8_t> wire,
                                             ProtocolVersion version) {
  auto header = decodeFixedHeader(wire, kMaxPacketSizeLimit);
  if (!header) return fail(header.error());
  if (!header->has_value()) return fail(CodecError::kTruncated);
  return decodePacket(**header, wire.subspan((*header)->size), version);
}

inline std::vector<uint8_t> encodeWire(const Packet& packet, ProtocolVersion version) {
  std::vector<uint8_t> out;
  auto encoded = encodePacket(packet, version, out);
  EXPECT_TRUE(encoded.ok()) << toString(encoded.error());
  return out;
}

// Decodes `wire`, re-encodes it and expects the same bytes back.
inline void expectRoundTrip(const std::vector<uint8_t>& wire, ProtocolVersion version) {
  auto decoded = decodeWire(wire, version);
  ASSERT_TRUE(decoded.ok()) << toString(decoded.error());
  EXPECT_EQ(encodeWire(*decoded, version), wire);
}

// For every cut point of a valid packet: the prefix gives "need more" (nullopt header or a
// body shorter than the remaining length), and the body cut to `n` bytes and re-framed with
// remaining length `n` decodes to an error or to a packet that re-encodes. Never crashes.
// Returns how many re-framed truncations decoded successfully.
inline int checkTruncations(const std::vector<uint8_t>& wire, ProtocolVersion version) {
  auto full = decodeFixedHeader(wire, kMaxPacketSizeLimit);
  EXPECT_TRUE(full.ok() && full->has_value());
  if (!full.ok() || !full->has_value()) return -1;
  const FixedHeader header = **full;
  for (size_t n = 0; n < wire.size(); ++n) {
    std::span<const uint8_t> prefix(wire.data(), n);
    auto h = decodeFixedHeader(prefix, kMaxPacketSizeLimit);
    EXPECT_TRUE(h.ok()) << "prefix " << n;
    if (h.ok() && h->has_value()) {
      EXPECT_LT(n, (*h)->packetSize());
      EXPECT_FALSE(decodePacket(**h, prefix.subspan((*h)->size), version).ok());
    }
  }
  int ok = 0;
  const std::span<const uint8_t> body(wire.data() + header.size, header.remaining_length);
  for (uint32_t n = 0; n < header.remaining_length; ++n) {
    FixedHeader cut = header;
    cut.remaining_length = n;
    auto decoded = decodePacket(cut, body.first(n), version);
    if (decoded.ok()) {
      ++ok;
      std::vector<uint8_t> out;
      (void)encodePacket(*decoded, version, out);
    }
  }
  return ok;
}

}  // namespace mqttd::mqtt::testing
