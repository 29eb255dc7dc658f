#include "config/http_url.h"

#include <gtest/gtest.h>

namespace mqttd::config {
namespace {

// The error of parsing `text`, or "ok".
std::string errorOf(std::string_view text) {
  const auto r = parseHttpUrl(text);
  return r.ok() ? "ok" : r.error();
}

TEST(HttpUrlTest, ParsesHostPortAndTarget) {
  const auto full = parseHttpUrl("http://127.0.0.1:8080/alarms");
  ASSERT_TRUE(full.ok()) << full.error();
  EXPECT_EQ(full->host, "127.0.0.1");
  EXPECT_EQ(full->port, 8080);
  EXPECT_EQ(full->target, "/alarms");

  const auto bare = parseHttpUrl("http://hooks.example.com");
  ASSERT_TRUE(bare.ok()) << bare.error();
  EXPECT_EQ(bare->host, "hooks.example.com");
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");

  const auto v6 = parseHttpUrl("HTTP://[::1]:65535/a/b?x=1&y=%20");
  ASSERT_TRUE(v6.ok()) << v6.error();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 65535);
  EXPECT_EQ(v6->target, "/a/b?x=1&y=%20");

  const auto query = parseHttpUrl("http://h:1?q");
  ASSERT_TRUE(query.ok()) << query.error();
  EXPECT_EQ(query->port, 1);
  EXPECT_EQ(query->target, "/?q");
}

TEST(HttpUrlTest, HttpsAndOtherSchemes) {
  EXPECT_EQ(errorOf("https://hooks.example.com/x"),
            "https is not supported; put a TLS-terminating proxy in front, or use http:// on a "
            "trusted network");
  EXPECT_EQ(errorOf("HTTPS://x/"), errorOf("https://x/"));
  EXPECT_EQ(errorOf("ftp://x/"),
            "invalid URL 'ftp://x/': unsupported scheme 'ftp'; expected "
            "http://host[:port][/path]");
  EXPECT_EQ(errorOf("127.0.0.1:8080/x"),
            "invalid URL '127.0.0.1:8080/x': expected http://host[:port][/path], e.g. "
            "http://127.0.0.1:8080/alarms");
  EXPECT_EQ(errorOf(""),
            "invalid URL '': expected http://host[:port][/path], e.g. "
            "http://127.0.0.1:8080/alarms");
}

TEST(HttpUrlTest, RejectsMalformedHosts) {
  EXPECT_EQ(errorOf("http:///x"),
            "invalid URL 'http:///x': no host; expected "
            "http://host[:port][/path]");
  EXPECT_EQ(errorOf("http://:80/"),
            "invalid URL 'http://:80/': no host; expected "
            "http://host[:port][/path]");
  EXPECT_EQ(errorOf("http://999.0.0.1/"),
            "invalid URL 'http://999.0.0.1/': '999.0.0.1' is not a valid IPv4 address");
  EXPECT_EQ(errorOf("http://[::g]/"),
            "invalid URL 'http://[::g]/': '::g' is not a valid IPv6 "
            "address");
  EXPECT_EQ(errorOf("http://[::1/"), "invalid URL 'http://[::1/': '[' without a closing ']'");
  EXPECT_EQ(errorOf("http://[::1]x/"), "invalid URL 'http://[::1]x/': unexpected 'x' after ']'");
  EXPECT_EQ(errorOf("http://-a.example/"),
            "invalid URL 'http://-a.example/': '-a.example' is not a valid host name (letters, "
            "digits, '-' and '.'; IPv6 addresses in brackets)");
  EXPECT_NE(errorOf("http://a..b/"), "ok");
  EXPECT_NE(errorOf("http://a_b/"), "ok");
  EXPECT_NE(errorOf("http://" + std::string(64, 'a') + "/"), "ok");  // label > 63
  EXPECT_EQ(errorOf("http://" + std::string(63, 'a') + "/"), "ok");
  EXPECT_EQ(errorOf("http://user:pw@h/"),
            "invalid URL 'http://user:pw@h/': user info ('user@') is not supported");
}

TEST(HttpUrlTest, RejectsMalformedPortsAndTargets) {
  EXPECT_EQ(errorOf("http://h:/"), "invalid URL 'http://h:/': ':' without a port number");
  EXPECT_EQ(errorOf("http://h:0/"), "invalid URL 'http://h:0/': port 0 is out of range 1..65535");
  EXPECT_EQ(errorOf("http://h:65536/"),
            "invalid URL 'http://h:65536/': port 65536 is out of range 1..65535");
  EXPECT_EQ(errorOf("http://h:123456/"),
            "invalid URL 'http://h:123456/': port '123456' is not a number in 1..65535");
  EXPECT_EQ(errorOf("http://h:8o/"),
            "invalid URL 'http://h:8o/': port '8o' is not a number in 1..65535");
  EXPECT_EQ(errorOf("http://h/a b"),
            "invalid URL 'http://h/a b': contains a space or control character; percent-encode "
            "it (e.g. %20)");
  EXPECT_EQ(errorOf("http://h/a#top"),
            "invalid URL 'http://h/a#top': has a fragment ('#...'), which is never sent to the "
            "server; remove it");
}

}  // namespace
}  // namespace mqttd::config
