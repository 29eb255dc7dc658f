// PayloadStamp: the 16-byte timestamp / publisher / sequence header, byte for byte.
#include "bench/payload_stamp.h"

#include <gtest/gtest.h>

#include <vector>

namespace mqttd::bench {
namespace {

TEST(PayloadStampTest, EncodesBigEndianFields) {
  std::vector<uint8_t> p(20, 0xee);
  PayloadStamp s{0x0102030405060708ull, 0x0a0b0c0du, 0x11223344u};
  ASSERT_TRUE(s.encode(p));
  const std::vector<uint8_t> want = {1,    2,    3,    4,    5,    6,    7,    8,    0x0a, 0x0b,
                                     0x0c, 0x0d, 0x11, 0x22, 0x33, 0x44, 0xee, 0xee, 0xee, 0xee};
  EXPECT_EQ(p, want);  // the filler after byte 16 is left alone
}

TEST(PayloadStampTest, RoundTrips) {
  std::vector<uint8_t> p(PayloadStamp::kSize);
  PayloadStamp s{PayloadStamp::realtimeNanos(), PayloadStamp::publisherId("mqttd-bench-1-7"),
                 4'000'000'000u};
  ASSERT_TRUE(s.encode(p));
  auto d = PayloadStamp::decode(p);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->sent_ns, s.sent_ns);
  EXPECT_EQ(d->publisher, s.publisher);
  EXPECT_EQ(d->sequence, s.sequence);
}

TEST(PayloadStampTest, RejectsShortPayloads) {
  std::vector<uint8_t> p(PayloadStamp::kSize - 1);
  EXPECT_FALSE(PayloadStamp{}.encode(p));
  EXPECT_FALSE(PayloadStamp::decode(p).has_value());
}

TEST(PayloadStampTest, PublisherIdIsFnv1a) {
  EXPECT_EQ(PayloadStamp::publisherId(""), 2166136261u);
  EXPECT_EQ(PayloadStamp::publisherId("a"), 0xe40c292cu);  // FNV-1a 32 test vector
  EXPECT_NE(PayloadStamp::publisherId("mqttd-bench-1-1"),
            PayloadStamp::publisherId("mqttd-bench-1-2"));
}

}  // namespace
}  // namespace mqttd::bench
