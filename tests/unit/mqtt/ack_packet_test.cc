#include "mqtt/ack_packet.h"

#include <gtest/gtest.h>

#include "mqtt/property_builder.h"
#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

TEST(AckPacketTest, RoundTrips311) {  // §3.4-3.7: packet identifier only
  for (const char* fixture : {"40 02 00 0A", "50 02 00 0A", "62 02 00 0A", "70 02 00 0A"}) {
    expectRoundTrip(hex(fixture), ProtocolVersion::kV311);
    EXPECT_EQ(checkTruncations(hex(fixture), ProtocolVersion::kV311), 0);
  }
}

TEST(AckPacketTest, V5ShortForms) {  // 5.0 §3.4.2.1: reason and properties may be omitted
  auto p = decodeWire(hex("40 02 00 0A"), ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::get<AckPacket>(*p).reason_code, 0);
  auto q = decodeWire(hex("50 03 00 0A 10"), ProtocolVersion::kV5);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(std::get<AckPacket>(*q).type, PacketType::kPubrec);
  EXPECT_EQ(std::get<AckPacket>(*q).reason_code, 0x10);
  expectRoundTrip(hex("40 02 00 0A"), ProtocolVersion::kV5);
  expectRoundTrip(hex("50 03 00 0A 10"), ProtocolVersion::kV5);
  // A zero reason with an empty property block re-encodes in the shortest form.
  std::vector<uint8_t> out;
  ASSERT_TRUE(encodePacket(*decodeWire(hex("40 04 00 0A 00 00"), ProtocolVersion::kV5),
                           ProtocolVersion::kV5, out)
                  .ok());
  EXPECT_EQ(out, hex("40 02 00 0A"));
}

TEST(AckPacketTest, V5WithReasonString) {
  const auto wire = hex("40 08 00 0A 10 04 1F 00 01 78");
  auto p = decodeWire(wire, ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::get<AckPacket>(*p).properties.reasonString(), "x");
  expectRoundTrip(wire, ProtocolVersion::kV5);
  // Cuts after the packet id and after the reason code are valid short forms.
  EXPECT_EQ(checkTruncations(wire, ProtocolVersion::kV5), 2);
}

TEST(AckPacketTest, EncodesFromFields) {
  PropertyBuilder props;
  props.reasonString("x");
  AckPacket p{PacketType::kPuback, 10, 0x10, props.view()};
  std::vector<uint8_t> out;
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex("40 08 00 0A 10 04 1F 00 01 78"));
  out.clear();
  ASSERT_TRUE(p.encode(ProtocolVersion::kV311, out).ok());
  EXPECT_EQ(out, hex("40 02 00 0A"));
  p.type = PacketType::kPubrel;
  p.reason_code = 0;
  p.properties = {};
  out.clear();
  ASSERT_TRUE(p.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex("62 02 00 0A"));  // [MQTT-3.6.1-1] PUBREL flags 0b0010
}

TEST(AckPacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("40 02 00 00"), ProtocolVersion::kV311).error(),
            CodecError::kZeroPacketId);  // [MQTT-2.3.1-1]
  EXPECT_EQ(decodeWire(hex("40 03 00 0A 00"), ProtocolVersion::kV311).error(),
            CodecError::kTrailingBytes);
  EXPECT_EQ(decodeWire(hex("40 05 00 0A 00 00 00"), ProtocolVersion::kV5).error(),
            CodecError::kTrailingBytes);
  EXPECT_EQ(decodeWire(hex("40 07 00 0A 00 03 23 00 01"), ProtocolVersion::kV5).error(),
            CodecError::kPropertyNotAllowed);  // topic alias in PUBACK
  EXPECT_EQ(decodeWire(hex("60 02 00 0A"), ProtocolVersion::kV5).error(),
            CodecError::kInvalidFlags);  // [MQTT-3.6.1-1]
  AckPacket bad{PacketType::kConnect, 1, 0, {}};
  std::vector<uint8_t> out;
  EXPECT_EQ(bad.encode(ProtocolVersion::kV5, out).error(), CodecError::kPacketTypeMismatch);
}

}  // namespace
}  // namespace mqttd::mqtt
