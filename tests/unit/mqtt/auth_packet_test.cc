#include "mqtt/auth_packet.h"

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

// Continue authentication, method "SCRAM1".
const char* kContinue = "F0 0B 18 09 15 00 06 53 43 52 41 4D 31";

TEST(AuthPacketTest, RoundTrips) {  // 5.0 §3.15
  expectRoundTrip(hex("F0 00"), ProtocolVersion::kV5);
  expectRoundTrip(hex(kContinue), ProtocolVersion::kV5);
  const auto wire = hex(kContinue);
  auto p = decodeWire(wire, ProtocolVersion::kV5);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::get<AuthPacket>(*p).reason_code, reason::kContinueAuthentication);
  EXPECT_EQ(std::get<AuthPacket>(*p).properties.authenticationMethod(), "SCRAM1");
  PropertyBuilder props;
  props.text(PropertyId::kAuthenticationMethod, "SCRAM1");
  AuthPacket a{reason::kContinueAuthentication, props.view()};
  std::vector<uint8_t> out;
  ASSERT_TRUE(a.encode(ProtocolVersion::kV5, out).ok());
  EXPECT_EQ(out, hex(kContinue));
}

TEST(AuthPacketTest, OnlyInV5) {
  EXPECT_EQ(decodeWire(hex("F0 00"), ProtocolVersion::kV311).error(), CodecError::kNotInVersion);
  std::vector<uint8_t> out;
  EXPECT_EQ(AuthPacket{}.encode(ProtocolVersion::kV311, out).error(), CodecError::kNotInVersion);
}

TEST(AuthPacketTest, Malformed) {
  EXPECT_EQ(decodeWire(hex("F0 01 18"), ProtocolVersion::kV5).error(), CodecError::kTruncated);
  EXPECT_EQ(decodeWire(hex("F0 05 18 03 23 00 01"), ProtocolVersion::kV5).error(),
            CodecError::kPropertyNotAllowed);
  EXPECT_EQ(decodeWire(hex("F0 03 18 00 00"), ProtocolVersion::kV5).error(),
            CodecError::kTrailingBytes);
  EXPECT_EQ(checkTruncations(hex(kContinue), ProtocolVersion::kV5), 1);  // only the empty cut
}

}  // namespace
}  // namespace mqttd::mqtt
