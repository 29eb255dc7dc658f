#include "mqtt/ping_packet.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

TEST(PingPacketTest, RoundTrips) {  // §3.12 / §3.13: remaining length 0
  for (auto version : {ProtocolVersion::kV311, ProtocolVersion::kV5}) {
    expectRoundTrip(hex("C0 00"), version);
    expectRoundTrip(hex("D0 00"), version);
  }
  std::vector<uint8_t> out;
  ASSERT_TRUE(PingPacket{PacketType::kPingresp}.encode(out).ok());
  EXPECT_EQ(out, hex("D0 00"));
  EXPECT_EQ(checkTruncations(hex("C0 00"), ProtocolVersion::kV311), 0);
}

TEST(PingPacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("C0 01 00"), ProtocolVersion::kV311).error(),
            CodecError::kTrailingBytes);
  EXPECT_EQ(decodeWire(hex("C1 00"), ProtocolVersion::kV311).error(),
            CodecError::kInvalidFlags);  // [MQTT-2.1.3-1]
  std::vector<uint8_t> out;
  EXPECT_EQ(PingPacket{PacketType::kPuback}.encode(out).error(), CodecError::kPacketTypeMismatch);
  FixedHeader h{PacketType::kConnect, 0, 0, 2};
  EXPECT_EQ(PingPacket::decode(h, {}).error(), CodecError::kPacketTypeMismatch);
}

}  // namespace
}  // namespace mqttd::mqtt
