#include "mqtt/packet.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::decodeWire;
using testing::hex;

struct Fixture {
  const char* wire;
  PacketType type;
};

// One valid packet of every type, per version; decode -> encode must give the same bytes.
const Fixture kV311[] = {
    {"10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63", PacketType::kConnect},
    {"20 02 00 03", PacketType::kConnack},
    {"33 09 00 03 61 2F 62 00 0A 68 69", PacketType::kPublish},
    {"40 02 00 0A", PacketType::kPuback},
    {"50 02 00 0A", PacketType::kPubrec},
    {"62 02 00 0A", PacketType::kPubrel},
    {"70 02 00 0A", PacketType::kPubcomp},
    {"82 0E 00 01 00 03 61 2F 2B 01 00 03 62 2F 23 02", PacketType::kSubscribe},
    {"90 04 00 01 01 02", PacketType::kSuback},
    {"A2 07 00 02 00 03 61 2F 2B", PacketType::kUnsubscribe},
    {"B0 02 00 02", PacketType::kUnsuback},
    {"C0 00", PacketType::kPingreq},
    {"D0 00", PacketType::kPingresp},
    {"E0 00", PacketType::kDisconnect},
};
const Fixture kV5[] = {
    {"10 2B 00 04 4D 51 54 54 05 EE 00 3C 05 11 00 00 00 78 00 03 61 62 63"
     " 05 18 00 00 00 05 00 03 77 2F 74 00 03 62 79 65 00 01 75 00 01 70",
     PacketType::kConnect},
    {"20 03 00 88 00", PacketType::kConnack},
    {"32 0D 00 03 61 2F 62 00 0A 03 23 00 05 68 69", PacketType::kPublish},
    {"40 08 00 0A 10 04 1F 00 01 78", PacketType::kPuback},
    {"50 03 00 0A 10", PacketType::kPubrec},
    {"62 02 00 0A", PacketType::kPubrel},
    {"70 03 00 0A 92", PacketType::kPubcomp},
    {"82 0B 00 01 02 0B 07 00 03 61 2F 2B 2D", PacketType::kSubscribe},
    {"90 05 00 01 00 01 80", PacketType::kSuback},
    {"A2 08 00 02 00 00 03 61 2F 2B", PacketType::kUnsubscribe},
    {"B0 04 00 02 00 11", PacketType::kUnsuback},
    {"C0 00", PacketType::kPingreq},
    {"D0 00", PacketType::kPingresp},
    {"E0 01 8B", PacketType::kDisconnect},
    {"F0 0B 18 09 15 00 06 53 43 52 41 4D 31", PacketType::kAuth},
};

void checkAll(const Fixture* begin, const Fixture* end, ProtocolVersion version) {
  for (const Fixture* f = begin; f != end; ++f) {
    const auto wire = hex(f->wire);
    auto p = decodeWire(wire, version);
    ASSERT_TRUE(p.ok()) << f->wire << ": " << toString(p.error());
    EXPECT_EQ(packetType(*p), f->type) << f->wire;
    EXPECT_EQ(testing::encodeWire(*p, version), wire) << f->wire;
    testing::checkTruncations(wire, version);
  }
}

TEST(PacketTest, EveryType311RoundTrips) {
  checkAll(std::begin(kV311), std::end(kV311), ProtocolVersion::kV311);
}

TEST(PacketTest, EveryTypeV5RoundTrips) {
  checkAll(std::begin(kV5), std::end(kV5), ProtocolVersion::kV5);
}

TEST(PacketTest, BodyMustMatchRemainingLength) {
  const auto wire = hex("40 02 00 0A");
  FixedHeader h{PacketType::kPuback, 0, 2, 2};
  EXPECT_EQ(decodePacket(h, std::span(wire).subspan(1), ProtocolVersion::kV311).error(),
            CodecError::kLengthMismatch);
  EXPECT_EQ(decodePacket(h, std::span(wire).subspan(3), ProtocolVersion::kV311).error(),
            CodecError::kLengthMismatch);
}

TEST(PacketTest, StreamOfPacketsDecodesOneAfterAnother) {
  const auto stream = hex("C0 00 30 05 00 01 61 68 69 E0 00");
  std::span<const uint8_t> rest(stream);
  std::vector<PacketType> types;
  while (!rest.empty()) {
    auto h = decodeFixedHeader(rest, 1024);
    ASSERT_TRUE(h.ok() && h->has_value());
    auto p =
        decodePacket(**h, rest.subspan((*h)->size, (*h)->remaining_length), ProtocolVersion::kV311);
    ASSERT_TRUE(p.ok());
    types.push_back(packetType(*p));
    rest = rest.subspan((*h)->packetSize());
  }
  EXPECT_EQ(types, (std::vector<PacketType>{PacketType::kPingreq, PacketType::kPublish,
                                            PacketType::kDisconnect}));
}

}  // namespace
}  // namespace mqttd::mqtt
