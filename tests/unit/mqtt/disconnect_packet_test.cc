#include "mqtt/disconnect_packet.h"

#include <gtest/gtest.h>

#include "mqtt/property_builder.h"
#include "mqtt/reason_code.h"
#include "test_bytes.h"

namespace mqttd::mqtt {
namespace {

using testing::checkTruncations;
using testing::decodeWire;
using testing::expectRoundTrip;
using testing::hex;

std::vector<uint8_t> encode(uint8_t reason, ProtocolVersion version) {
  DisconnectPacket p;
  p.reason_code = reason;
  std::vector<uint8_t> out;
  EXPECT_TRUE(p.encode(version, out).ok());
  return out;
}

TEST(DisconnectPacketTest, GatewayDisconnects) {  // 5.0 §3.14.2.1
  EXPECT_EQ(encode(reason::kServerShuttingDown, ProtocolVersion::kV5), hex("E0 01 8B"));
  EXPECT_EQ(encode(reason::kMalformedPacket, ProtocolVersion::kV5), hex("E0 01 81"));
  EXPECT_EQ(encode(reason::kPacketTooLarge, ProtocolVersion::kV5), hex("E0 01 95"));
  EXPECT_EQ(encode(reason::kSuccess, ProtocolVersion::kV5), hex("E0 00"));
  EXPECT_EQ(encode(reason::kServerShuttingDown, ProtocolVersion::kV311), hex("E0 00"));
}

TEST(DisconnectPacketTest, RoundTrips) {
  expectRoundTrip(hex("E0 00"), ProtocolVersion::kV311);
  expectRoundTrip(hex("E0 00"), ProtocolVersion::kV5);
  expectRoundTrip(hex("E0 01 8B"), ProtocolVersion::kV5);
  const auto with_props = hex("E0 08 8B 06 1F 00 03 62 79 65");
  auto p = decodeWire(with_props, ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::get<DisconnectPacket>(*p).properties.reasonString(), "bye");
  expectRoundTrip(with_props, ProtocolVersion::kV5);
  PropertyBuilder props;
  props.reasonString("bye");
  DisconnectPacket d{reason::kServerShuttingDown, props.view()};
  std::vector<uint8_t> out;
  ASSERT_TRUE(d.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, with_props);
  // Cuts after nothing and after the reason code are valid short forms.
  EXPECT_EQ(checkTruncations(with_props, ProtocolVersion::kV5), 2);
}

TEST(DisconnectPacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("E0 01 00"), ProtocolVersion::kV311).error(),
            CodecError::kTrailingBytes);  // 3.1.1 §3.14: no variable header
  EXPECT_EQ(decodeWire(hex("E0 04 00 01 23 00"), ProtocolVersion::kV5).error(),
            CodecError::kTruncated);
  EXPECT_EQ(decodeWire(hex("E0 05 00 03 23 00 01"), ProtocolVersion::kV5).error(),
            CodecError::kPropertyNotAllowed);
  EXPECT_EQ(decodeWire(hex("E1 00"), ProtocolVersion::kV5).error(), CodecError::kInvalidFlags);
}

}  // namespace
}  // namespace mqttd::mqtt
