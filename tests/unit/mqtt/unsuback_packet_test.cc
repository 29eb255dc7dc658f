#include "mqtt/unsuback_packet.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

TEST(UnsubackPacketTest, RoundTrips) {
  expectRoundTrip(hex("B0 02 00 02"), ProtocolVersion::kV311);
  const auto v5 = hex("B0 05 00 02 00 00 11");
  auto p = decodeWire(v5, ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok());
  const auto& ack = std::get<UnsubackPacket>(*p);
  ASSERT_EQ(ack.reason_codes.size(), 2u);
  EXPECT_EQ(ack.reason_codes[1], 0x11);
  expectRoundTrip(v5, ProtocolVersion::kV5);
}

TEST(UnsubackPacketTest, EncodesFromFields) {
  const uint8_t codes[] = {0x00};
  UnsubackPacket p{2, {}, codes};
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());
  EXPECT_EQ(out, hex("B0 02 00 02"));
  out.clear();
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex("B0 04 00 02 00 00"));
}

TEST(UnsubackPacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("B0 03 00 02 00"), ProtocolVersion::kV311).error(),
            CodecError::kTrailingBytes);
  EXPECT_EQ(decodeWire(hex("B0 03 00 02 00"), ProtocolVersion::kV5).error(),
            CodecError::kTruncated);  // 5.0: at least one reason code
  EXPECT_EQ(decodeWire(hex("B0 02 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kZeroPacketId);
  EXPECT_EQ(checkTruncations(hex("B0 02 00 02"), ProtocolVersion::kV311), 0);
  EXPECT_EQ(checkTruncations(hex("B0 05 00 02 00 00 11"), ProtocolVersion::kV5), 1);
}

}  // namespace
}  // namespace mqttd::mqtt
