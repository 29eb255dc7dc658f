#include "quic/simple/hello_cookie.h"

#include <gtest/gtest.h>

#include <vector>

namespace mqttd::simple {
namespace {

SocketAddress address(const char* text) { return *SocketAddress::parse(text); }

class HelloCookieTest : public ::testing::Test {
 protected:
  std::shared_ptr<const StaticSecret> secret_ = *StaticSecret::generate();
  HelloCookie cookies_{secret_};
  std::vector<uint8_t> dcid_{1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<uint8_t> scid_{9, 9};
  SocketAddress client_ = address("192.0.2.7:40000");
};

TEST_F(HelloCookieTest, VerifiesForTheSameClientWithinItsLifetime) {
  const auto cookie = cookies_.issue(client_, dcid_, scid_, 1000);
  EXPECT_TRUE(cookies_.verify(cookie, client_, dcid_, scid_, 1000));
  EXPECT_TRUE(cookies_.verify(cookie, client_, dcid_, scid_, 1000 + HelloCookie::kLifetime));
  EXPECT_FALSE(cookies_.verify(cookie, client_, dcid_, scid_, 1001 + HelloCookie::kLifetime));
  // A little clock skew between replicas is tolerated, more is not.
  EXPECT_TRUE(cookies_.verify(cookie, client_, dcid_, scid_, 999));
  EXPECT_FALSE(cookies_.verify(cookie, client_, dcid_, scid_, 998));
}

TEST_F(HelloCookieTest, IsBoundToAddressPortAndConnectionIds) {
  const auto cookie = cookies_.issue(client_, dcid_, scid_, 1000);
  EXPECT_FALSE(cookies_.verify(cookie, address("192.0.2.8:40000"), dcid_, scid_, 1000));
  EXPECT_FALSE(cookies_.verify(cookie, address("192.0.2.7:40001"), dcid_, scid_, 1000));
  EXPECT_FALSE(cookies_.verify(cookie, address("[::ffff:192.0.2.7]:40000"), dcid_, scid_, 1000));
  auto other_dcid = dcid_;
  other_dcid[0] ^= 1;
  EXPECT_FALSE(cookies_.verify(cookie, client_, other_dcid, scid_, 1000));
  EXPECT_FALSE(cookies_.verify(cookie, client_, dcid_, {}, 1000));
  // Moving a byte from one CID to the other changes the cookie (length-prefixed input).
  std::vector<uint8_t> longer_dcid = dcid_;
  longer_dcid.push_back(9);
  EXPECT_FALSE(cookies_.verify(cookie, client_, longer_dcid, std::vector<uint8_t>{9}, 1000));
}

TEST_F(HelloCookieTest, RefusesForgedTamperedAndForeignCookies) {
  auto cookie = cookies_.issue(client_, dcid_, scid_, 1000);
  auto tampered = cookie;
  tampered[HelloCookie::kSize - 1] ^= 0x80;
  EXPECT_FALSE(cookies_.verify(tampered, client_, dcid_, scid_, 1000));
  auto later = cookie;
  later[7] += 1;  // the issue time is covered by the MAC
  EXPECT_FALSE(cookies_.verify(later, client_, dcid_, scid_, 1001));
  EXPECT_FALSE(cookies_.verify(std::span(cookie).first(10), client_, dcid_, scid_, 1000));
  HelloCookie other(*StaticSecret::generate());
  EXPECT_FALSE(other.verify(cookie, client_, dcid_, scid_, 1000));
}

}  // namespace
}  // namespace mqttd::simple
