#include "net/socket_address.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

namespace mqttd {
namespace {

SocketAddress ok(std::string_view text) {
  const auto r = SocketAddress::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? *r : SocketAddress{};
}

std::string error(std::string_view text) {
  const auto r = SocketAddress::parse(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error();
}

TEST(SocketAddressTest, ParsesIpv4AndIpv6) {
  const SocketAddress a = ok("127.0.0.1:1883");
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_EQ(a.size(), sizeof(sockaddr_in));
  EXPECT_EQ(a.port(), 1883);
  EXPECT_EQ(a.toString(), "127.0.0.1:1883");
  const SocketAddress b = ok("[::1]:1883");
  EXPECT_EQ(b.family(), AF_INET6);
  EXPECT_EQ(b.size(), sizeof(sockaddr_in6));
  EXPECT_EQ(b.port(), 1883);
  EXPECT_EQ(b.toString(), "[::1]:1883");
  EXPECT_EQ(ok("0.0.0.0:0").port(), 0);
  EXPECT_EQ(ok("[::]:65535").port(), 65535);
  EXPECT_EQ(ok("[::ffff:10.0.0.1]:80").family(), AF_INET6);
}

TEST(SocketAddressTest, EqualityComparesFamilyAddressAndPort) {
  auto a = SocketAddress::parse("127.0.0.1:1883").value();
  EXPECT_TRUE(a == SocketAddress::parse("127.0.0.1:1883").value());
  EXPECT_FALSE(a == SocketAddress::parse("127.0.0.1:1884").value());
  EXPECT_FALSE(a == SocketAddress::parse("127.0.0.2:1883").value());
  EXPECT_FALSE(a == SocketAddress::parse("[::1]:1883").value());
  EXPECT_TRUE(SocketAddress::parse("[::1]:9").value() == SocketAddress::parse("[::1]:9").value());
  EXPECT_FALSE(a == SocketAddress());
  EXPECT_TRUE(SocketAddress() == SocketAddress());
}

TEST(SocketAddressTest, ToStringRoundTrips) {
  for (const char* text : {"127.0.0.1:1883", "0.0.0.0:0", "255.255.255.255:65535", "[::1]:1883",
                           "[::]:0", "[fe80::1]:8883", "[::ffff:10.0.0.1]:80"}) {
    const SocketAddress a = ok(text);
    EXPECT_EQ(a.toString(), text);
    const SocketAddress again = ok(a.toString());
    EXPECT_EQ(again.toString(), text);
    EXPECT_EQ(again.port(), a.port());
    EXPECT_EQ(again.family(), a.family());
  }
  // Non-canonical IPv6 text comes back in inet_ntop's canonical form.
  EXPECT_EQ(ok("[0:0:0:0:0:0:0:1]:1883").toString(), "[::1]:1883");
}

TEST(SocketAddressTest, RejectsHostNames) {
  EXPECT_EQ(error("localhost:1883"),
            "address 'localhost:1883': 'localhost' is not a numeric IP address; the gateway does "
            "not resolve host names, write an IP such as 127.0.0.1 or [::1]");
  EXPECT_FALSE(SocketAddress::parse("[localhost]:1883").ok());
}

TEST(SocketAddressTest, RejectsBadPorts) {
  EXPECT_EQ(error("127.0.0.1"),
            "address '127.0.0.1' has no port; expected ip:port, e.g. 127.0.0.1:1883 or "
            "[::1]:1883");
  EXPECT_EQ(error("127.0.0.1:"),
            "address '127.0.0.1:' has no port; expected ip:port, e.g. 127.0.0.1:1883");
  EXPECT_EQ(error("127.0.0.1:65536"),
            "address '127.0.0.1:65536': port 65536 is out of range 0..65535");
  EXPECT_EQ(error("127.0.0.1:http"),
            "address '127.0.0.1:http': port 'http' is not a number in 0..65535");
  EXPECT_EQ(error("127.0.0.1:-1"), "address '127.0.0.1:-1': port '-1' is not a number in 0..65535");
  EXPECT_EQ(error("127.0.0.1:123456"),
            "address '127.0.0.1:123456': port '123456' is not a number in 0..65535");
  EXPECT_EQ(error("[::1]"), "address '[::1]' has no port; expected [ipv6]:port, e.g. [::1]:1883");
  EXPECT_EQ(error("[::1]:"), "address '[::1]:' has no port; expected ip:port, e.g. 127.0.0.1:1883");
}

TEST(SocketAddressTest, RejectsMalformedAddresses) {
  EXPECT_EQ(error(""), "empty address; expected ip:port, e.g. 127.0.0.1:1883 or [::1]:1883");
  EXPECT_EQ(error("256.0.0.1:1883"),
            "address '256.0.0.1:1883': '256.0.0.1' is not a valid IPv4 address");
  EXPECT_EQ(error("::1:1883"),
            "address '::1:1883' has no port; write IPv6 addresses in brackets with a port, e.g. "
            "[::1]:1883");
  EXPECT_EQ(error("fe80::1::2:1883"),
            "address 'fe80::1::2:1883': write IPv6 addresses in brackets, e.g. [::1]:1883");
  EXPECT_EQ(error("[::1:1883"),
            "address '[::1:1883': missing ']' after the IPv6 address, e.g. 127.0.0.1:1883 or "
            "[::1]:1883");
  EXPECT_EQ(error("[127.0.0.1]:1883"),
            "address '[127.0.0.1]:1883': '127.0.0.1' is not a numeric IPv6 address");
  EXPECT_EQ(error(":1883"),
            "address ':1883' has no IP; use 0.0.0.0:1883 to listen on every IPv4 address");
}

TEST(SocketAddressTest, IsWildcard) {
  EXPECT_TRUE(ok("0.0.0.0:80").isWildcard());
  EXPECT_TRUE(ok("[::]:80").isWildcard());
  EXPECT_TRUE(ok("[0:0:0:0:0:0:0:0]:80").isWildcard());
  EXPECT_FALSE(ok("127.0.0.1:80").isWildcard());
  EXPECT_FALSE(ok("[::1]:80").isWildcard());
  EXPECT_FALSE(SocketAddress{}.isWildcard());
}

TEST(SocketAddressTest, Overlaps) {
  EXPECT_TRUE(ok("127.0.0.1:80").overlaps(ok("127.0.0.1:80")));
  EXPECT_TRUE(ok("0.0.0.0:80").overlaps(ok("127.0.0.1:80")));
  EXPECT_TRUE(ok("127.0.0.1:80").overlaps(ok("[::]:80")));
  EXPECT_TRUE(ok("[::]:80").overlaps(ok("127.0.0.1:80")));
  EXPECT_TRUE(ok("[::1]:80").overlaps(ok("[0:0:0:0:0:0:0:1]:80")));
  EXPECT_TRUE(ok("[::1]:80").overlaps(ok("[::]:80")));
  EXPECT_FALSE(ok("127.0.0.1:80").overlaps(ok("127.0.0.1:81")));
  EXPECT_FALSE(ok("127.0.0.1:80").overlaps(ok("127.0.0.2:80")));
  EXPECT_FALSE(ok("127.0.0.1:0").overlaps(ok("127.0.0.1:0")));
  EXPECT_FALSE(ok("127.0.0.1:80").overlaps(ok("[::1]:80")));
  EXPECT_FALSE(ok("0.0.0.0:80").overlaps(ok("[::1]:80")));
  EXPECT_FALSE(SocketAddress{}.overlaps(SocketAddress{}));
}

}  // namespace
}  // namespace mqttd
