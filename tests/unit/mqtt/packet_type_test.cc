#include "mqtt/packet_type.h"

#include <gtest/gtest.h>

namespace mqttd::mqtt {
namespace {

TEST(PacketTypeTest, NamesMatchTheSpec) {  // MQTT 5.0 §2.1.2 Table 2-1
  EXPECT_EQ(toString(PacketType::kConnect), "CONNECT");
  EXPECT_EQ(toString(PacketType::kPubrel), "PUBREL");
  EXPECT_EQ(toString(PacketType::kAuth), "AUTH");
  EXPECT_EQ(static_cast<int>(PacketType::kAuth), 15);
  EXPECT_EQ(toString(static_cast<PacketType>(0)), "RESERVED");
  for (int i = 1; i <= 15; ++i) EXPECT_NE(toString(static_cast<PacketType>(i)), "RESERVED");
}

TEST(PacketTypeTest, ProtocolVersionIsTheConnectLevelByte) {  // [MQTT-3.1.2-2]
  EXPECT_EQ(static_cast<int>(ProtocolVersion::kV31), 3);
  EXPECT_EQ(static_cast<int>(ProtocolVersion::kV311), 4);
  EXPECT_EQ(static_cast<int>(ProtocolVersion::kV5), 5);
  EXPECT_EQ(toString(ProtocolVersion::kV311), "3.1.1");
  EXPECT_TRUE(isV5(ProtocolVersion::kV5));
  EXPECT_FALSE(isV5(ProtocolVersion::kV311));
}

}  // namespace
}  // namespace mqttd::mqtt
