#include "net/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mqttd {
namespace {

using namespace std::chrono_literals;

constexpr int kPollMs = 2000;  // upper bound on waiting for loopback traffic; never a sleep

SocketAddress addr(const std::string& text) {
  const auto r = SocketAddress::parse(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : SocketAddress{};
}

std::string withPort(const std::string& ip, uint16_t port) {
  return ip.find(':') == std::string::npos ? ip + ":" + std::to_string(port)
                                           : "[" + ip + "]:" + std::to_string(port);
}

std::unique_ptr<UdpSocket> bindOk(const std::string& text, UdpSocket::Options options = {}) {
  auto r = UdpSocket::bind(addr(text), options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? std::move(*r) : nullptr;
}

std::unique_ptr<UdpSocket> clientFor(const UdpSocket& server, UdpSocket::Options options = {}) {
  auto r = UdpSocket::openFor(server.localAddress(), options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? std::move(*r) : nullptr;
}

bool ipv6Loopback() {
  return UdpSocket::bind(addr("[::1]:0"), {}).ok();
}

// poll() for readability (or a pending socket error); false on timeout.
bool waitReadable(int fd, int timeout_ms = kPollMs) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

struct Got {
  std::vector<uint8_t> bytes;
  SocketAddress peer;
  SocketAddress local;
  uint8_t ecn;
};

// Reads until `want` datagrams arrived or nothing came for kPollMs.
std::vector<Got> receiveN(UdpSocket& socket, size_t want, size_t per_call = 64) {
  std::vector<Got> got;
  while (got.size() < want) {
    if (!socket.hasPending() && !waitReadable(socket.fd())) break;
    socket.receive(per_call, [&](const ReceivedDatagram& d) {
      got.push_back({{d.data.begin(), d.data.end()}, d.peer, d.local, d.ecn});
    });
  }
  return got;
}

std::vector<uint8_t> bytesOf(const std::string& text) {
  return {text.begin(), text.end()};
}

// `count` packets of `size` bytes (the last `last` bytes when non-zero), each byte naming its
// packet and offset, back to back as a GSO buffer.
std::vector<uint8_t> segments(size_t count, size_t size, size_t last = 0) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < count; ++i) {
    const size_t n = (i + 1 == count && last != 0) ? last : size;
    for (size_t j = 0; j < n; ++j) out.push_back(static_cast<uint8_t>(i * 31 + j));
  }
  return out;
}

void expectSegments(const std::vector<Got>& got, size_t count, size_t size, size_t last = 0) {
  ASSERT_EQ(got.size(), count);
  const std::vector<uint8_t> all = segments(count, size, last);
  for (size_t i = 0; i < count; ++i) {
    const size_t n = (i + 1 == count && last != 0) ? last : size;
    ASSERT_EQ(got[i].bytes.size(), n) << "packet " << i;
    EXPECT_TRUE(std::equal(got[i].bytes.begin(), got[i].bytes.end(), all.begin() + i * size))
        << "packet " << i;
  }
}

TEST(UdpSocketTest, BindsIpv4WithPortZero) {
  auto s = bindOk("127.0.0.1:0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->localAddress().family(), AF_INET);
  EXPECT_NE(s->localAddress().port(), 0);
  EXPECT_EQ(s->localAddress().toString(), withPort("127.0.0.1", s->localAddress().port()));
  EXPECT_TRUE(::fcntl(s->fd(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(::fcntl(s->fd(), F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(s->receiveErrors(), 0u);
  EXPECT_TRUE(s->gsoEnabled());
  int pmtu = -1;
  socklen_t len = sizeof pmtu;
  ASSERT_EQ(::getsockopt(s->fd(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, &len), 0);
  EXPECT_EQ(pmtu, IP_PMTUDISC_DO);
}

TEST(UdpSocketTest, BindsIpv6WithPortZero) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no ::1 here";
  auto s = bindOk("[::1]:0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->localAddress().family(), AF_INET6);
  EXPECT_NE(s->localAddress().port(), 0);
  EXPECT_EQ(s->localAddress().toString(), withPort("::1", s->localAddress().port()));
  int pmtu = -1;
  socklen_t len = sizeof pmtu;
  ASSERT_EQ(::getsockopt(s->fd(), IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, &len), 0);
  EXPECT_EQ(pmtu, IPV6_PMTUDISC_DO);
}

TEST(UdpSocketTest, BindErrorNamesAddressAndErrno) {
  auto first = bindOk("127.0.0.1:0");
  ASSERT_TRUE(first);
  const std::string taken = first->localAddress().toString();
  auto second = UdpSocket::bind(addr(taken), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), "cannot bind UDP socket to " + taken + ": Address already in use");
  EXPECT_FALSE(UdpSocket::openFor(SocketAddress{}, {}).ok());
}

TEST(UdpSocketTest, ReusePortSharesAPort) {
  UdpSocket::Options options;
  options.reuse_port = true;
  auto first = bindOk("127.0.0.1:0", options);
  ASSERT_TRUE(first);
  auto second = bindOk(first->localAddress().toString(), options);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->localAddress().port(), first->localAddress().port());
}

void roundTrip(const std::string& ip) {
  auto server = bindOk(withPort(ip, 0));
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->localAddress().isWildcard());
  const std::vector<uint8_t> hello = bytesOf("hello");
  ASSERT_EQ(client->send(hello, server->localAddress(), nullptr, 0, 0), SendResult::kSent);
  const auto got = receiveN(*server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, hello);
  EXPECT_EQ(got[0].peer.toString(), withPort(ip, client->localAddress().port()));
  EXPECT_EQ(got[0].local.toString(), server->localAddress().toString());
  EXPECT_EQ(got[0].ecn, 0);

  const std::vector<uint8_t> reply = bytesOf("world!");
  ASSERT_EQ(server->send(reply, got[0].peer, &got[0].local, 0, 0), SendResult::kSent);
  const auto back = receiveN(*client, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].bytes, reply);
  EXPECT_EQ(back[0].peer.toString(), server->localAddress().toString());
  EXPECT_EQ(back[0].local.toString(), withPort(ip, client->localAddress().port()));
}

TEST(UdpSocketTest, RoundTripIpv4) {
  roundTrip("127.0.0.1");
}

TEST(UdpSocketTest, RoundTripIpv6) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no ::1 here";
  roundTrip("::1");
}

TEST(UdpSocketTest, PktinfoGivesConcreteLocalOnWildcardBind) {
  auto server = bindOk("0.0.0.0:0");
  ASSERT_TRUE(server);
  const uint16_t port = server->localAddress().port();
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  const std::vector<uint8_t> ping = bytesOf("ping");
  for (const char* ip : {"127.0.0.1", "127.0.0.2"}) {
    ASSERT_EQ(client->send(ping, addr(withPort(ip, port)), nullptr, 0, 0), SendResult::kSent);
    const auto got = receiveN(*server, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].local.toString(), withPort(ip, port));
    // The reply leaves from the address the client used, though the socket has no single one.
    ASSERT_EQ(server->send(ping, got[0].peer, &got[0].local, 0, 0), SendResult::kSent);
    const auto back = receiveN(*client, 1);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].peer.toString(), withPort(ip, port));
  }
}

TEST(UdpSocketTest, DualStackSocketSeesIpv4AsMapped) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no ::1 here";
  auto server = bindOk("[::]:0");
  ASSERT_TRUE(server);
  const uint16_t port = server->localAddress().port();
  const SocketAddress target = addr(withPort("127.0.0.1", port));
  auto v4 = UdpSocket::openFor(target, {});
  ASSERT_TRUE(v4.ok());
  const std::vector<uint8_t> ping = bytesOf("ping");
  ASSERT_EQ((*v4)->send(ping, target, nullptr, 2, 0), SendResult::kSent);
  const auto got = receiveN(*server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].peer.toString(), withPort("::ffff:127.0.0.1", (*v4)->localAddress().port()));
  EXPECT_EQ(got[0].local.toString(), withPort("::ffff:127.0.0.1", port));
  EXPECT_EQ(got[0].ecn, 2);
  ASSERT_EQ(server->send(ping, got[0].peer, &got[0].local, 1, 0), SendResult::kSent);
  const auto back = receiveN(**v4, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].peer.toString(), target.toString());
  EXPECT_EQ(back[0].ecn, 1);
}

void ecnArrives(const std::string& ip) {
  auto server = bindOk(withPort(ip, 0));
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  const std::vector<uint8_t> data = bytesOf("ecn");
  for (uint8_t ecn : {2, 1, 3, 0}) {
    ASSERT_EQ(client->send(data, server->localAddress(), nullptr, ecn, 0), SendResult::kSent);
    const auto got = receiveN(*server, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].ecn, ecn) << ip;
  }
}

TEST(UdpSocketTest, EcnBitsArriveIpv4) {
  ecnArrives("127.0.0.1");
}

TEST(UdpSocketTest, EcnBitsArriveIpv6) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no ::1 here";
  ecnArrives("::1");
}

void gsoArrivesSplit(const std::string& ip, bool receiver_gro, size_t count, size_t last) {
  UdpSocket::Options receiver;
  receiver.gro = receiver_gro;
  receiver.recv_buffer = 1 << 21;
  auto server = bindOk(withPort(ip, 0), receiver);
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  const std::vector<uint8_t> data = segments(count, 1200, last);
  ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 2, 1200), SendResult::kSent);
  EXPECT_TRUE(client->gsoEnabled()) << "loopback GSO was refused";
  const auto got = receiveN(*server, count);
  expectSegments(got, count, 1200, last);
  for (const Got& g : got) {
    EXPECT_EQ(g.ecn, 2);
    EXPECT_EQ(g.peer.port(), client->localAddress().port());
  }
}

TEST(UdpSocketTest, GsoSendArrivesAsDatagramsWithGro) {
  gsoArrivesSplit("127.0.0.1", true, 10, 0);
}

TEST(UdpSocketTest, GsoSendArrivesAsDatagramsWithoutGro) {
  gsoArrivesSplit("127.0.0.1", false, 10, 0);
}

TEST(UdpSocketTest, GsoShortLastSegment) {
  gsoArrivesSplit("127.0.0.1", true, 10, 500);
  gsoArrivesSplit("127.0.0.1", false, 10, 500);
}

TEST(UdpSocketTest, GsoIpv6) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no ::1 here";
  gsoArrivesSplit("::1", true, 10, 0);
  gsoArrivesSplit("::1", false, 10, 0);
}

TEST(UdpSocketTest, GsoAbove64KiBIsSplitIntoSeveralSends) {
  // 60 x 1200 = 72000 bytes: more than one UDP payload can carry, so two sendmsg calls.
  gsoArrivesSplit("127.0.0.1", true, 60, 0);
  gsoArrivesSplit("127.0.0.1", false, 60, 0);
}

TEST(UdpSocketTest, GsoRefusedFallsBackToOneByOne) {
  auto server = bindOk("127.0.0.1:0");
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  // udp_send_skb refuses UDP_SEGMENT with EINVAL on a socket without UDP checksums.
  const int one = 1;
  ASSERT_EQ(::setsockopt(client->fd(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), 0);
  const std::vector<uint8_t> data = segments(10, 1200);
  ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 0, 1200), SendResult::kSent);
  EXPECT_FALSE(client->gsoEnabled());
  expectSegments(receiveN(*server, 10), 10, 1200);
  // For good: the next batch goes one by one without asking the kernel again.
  ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 0, 1200), SendResult::kSent);
  expectSegments(receiveN(*server, 10), 10, 1200);
}

TEST(UdpSocketTest, GsoOffByOptionSendsOneByOne) {
  auto server = bindOk("127.0.0.1:0");
  ASSERT_TRUE(server);
  UdpSocket::Options options;
  options.gso = false;
  auto client = clientFor(*server, options);
  ASSERT_TRUE(client);
  EXPECT_FALSE(client->gsoEnabled());
  const std::vector<uint8_t> data = segments(5, 1200, 7);
  ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 0, 1200), SendResult::kSent);
  expectSegments(receiveN(*server, 5), 5, 1200, 7);
}

TEST(UdpSocketTest, SendManyDeliversAll) {
  for (size_t count : {32u, 70u}) {  // 70 crosses the internal sendmmsg batch
    auto server = bindOk("127.0.0.1:0");
    ASSERT_TRUE(server);
    auto client = clientFor(*server);
    ASSERT_TRUE(client);
    std::vector<std::vector<uint8_t>> payloads;
    std::vector<UdpSocket::Outgoing> out;
    for (size_t i = 0; i < count; ++i) payloads.push_back(bytesOf("datagram " + std::to_string(i)));
    for (size_t i = 0; i < count; ++i)
      out.push_back({payloads[i], server->localAddress(), nullptr, static_cast<uint8_t>(i % 4)});
    ASSERT_EQ(client->sendMany(out), count);
    const auto got = receiveN(*server, count, 7);
    ASSERT_EQ(got.size(), count);
    for (size_t i = 0; i < count; ++i) {
      EXPECT_EQ(got[i].bytes, payloads[i]);
      EXPECT_EQ(got[i].ecn, i % 4);
    }
  }
}

TEST(UdpSocketTest, SendManySetsSourceAddress) {
  auto server = bindOk("0.0.0.0:0");
  ASSERT_TRUE(server);
  const uint16_t port = server->localAddress().port();
  auto client = bindOk("127.0.0.1:0");
  ASSERT_TRUE(client);
  const SocketAddress from = addr(withPort("127.0.0.3", port));
  const std::vector<uint8_t> data = bytesOf("x");
  const UdpSocket::Outgoing out[] = {{data, client->localAddress(), &from, 0},
                                     {data, client->localAddress(), nullptr, 0}};
  ASSERT_EQ(server->sendMany(out), 2u);
  const auto got = receiveN(*client, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].peer.toString(), from.toString());
  EXPECT_EQ(got[1].peer.toString(), withPort("127.0.0.1", port));
}

TEST(UdpSocketTest, ReceiveHonoursMaxDatagrams) {
  auto server = bindOk("127.0.0.1:0");
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  for (int i = 0; i < 10; ++i) {
    const std::vector<uint8_t> data = bytesOf(std::to_string(i));
    ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 0, 0), SendResult::kSent);
  }
  std::vector<size_t> calls;
  std::vector<std::string> seen;
  while (seen.size() < 10) {
    if (!server->hasPending() && !waitReadable(server->fd())) break;
    calls.push_back(server->receive(
        3, [&](const ReceivedDatagram& d) { seen.emplace_back(d.data.begin(), d.data.end()); }));
  }
  ASSERT_EQ(seen.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(seen[i], std::to_string(i));
  for (size_t n : calls) EXPECT_LE(n, 3u);
  EXPECT_EQ(calls.front(), 3u);
  EXPECT_EQ(server->receive(3, [](const ReceivedDatagram&) {}), 0u);
}

TEST(UdpSocketTest, ReceiveHonoursMaxDatagramsInsideAGroBuffer) {
  auto server = bindOk("127.0.0.1:0");
  ASSERT_TRUE(server);
  if (!server->groEnabled()) GTEST_SKIP() << "no UDP_GRO here";
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  const std::vector<uint8_t> data = segments(10, 1200);
  ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 0, 1200), SendResult::kSent);
  ASSERT_TRUE(waitReadable(server->fd()));
  std::vector<Got> got;
  const auto keep = [&](const ReceivedDatagram& d) {
    got.push_back({{d.data.begin(), d.data.end()}, d.peer, d.local, d.ecn});
  };
  // Loopback hands the GSO buffer to a GRO socket whole: one read holds all ten.
  EXPECT_EQ(server->receive(4, keep), 4u);
  EXPECT_TRUE(server->hasPending());
  EXPECT_EQ(server->receive(4, keep), 4u);
  EXPECT_EQ(server->receive(4, keep), 2u);
  EXPECT_FALSE(server->hasPending());
  expectSegments(got, 10, 1200);
}

TEST(UdpSocketTest, SendToClosedPortIsHarmless) {
  auto closed = bindOk("127.0.0.1:0");
  ASSERT_TRUE(closed);
  const SocketAddress nowhere = closed->localAddress();
  closed.reset();
  auto server = bindOk("127.0.0.1:0");
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  const std::vector<uint8_t> data = bytesOf("anyone?");
  ASSERT_EQ(client->send(data, nowhere, nullptr, 0, 0), SendResult::kSent);
  // The socket still works; an unconnected socket is not told about the ICMP.
  const SocketAddress back = addr(withPort("127.0.0.1", client->localAddress().port()));
  ASSERT_EQ(server->send(data, back, nullptr, 0, 0), SendResult::kSent);
  const auto got = receiveN(*client, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, data);
  EXPECT_EQ(client->receiveErrors(), 0u);
}

TEST(UdpSocketTest, IcmpErrorOnConnectedSocketIsSwallowedAndCounted) {
  auto closed = bindOk("127.0.0.1:0");
  ASSERT_TRUE(closed);
  const SocketAddress nowhere = closed->localAddress();
  closed.reset();
  auto client = UdpSocket::openFor(nowhere, {});
  ASSERT_TRUE(client.ok());
  UdpSocket& c = **client;
  // A connected socket gets ECONNREFUSED from the port unreachable.
  ASSERT_EQ(::connect(c.fd(), nowhere.get(), nowhere.size()), 0);
  const std::vector<uint8_t> data = bytesOf("anyone?");
  ASSERT_EQ(c.send(data, nowhere, nullptr, 0, 0), SendResult::kSent);
  ASSERT_TRUE(waitReadable(c.fd())) << "no ICMP error reported";
  EXPECT_EQ(c.receive(16, [](const ReceivedDatagram&) { ADD_FAILURE(); }), 0u);
  EXPECT_EQ(c.receiveErrors(), 1u);
  pollfd p{c.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "the error is consumed";
  // A later send is not refused by an error still pending from the ICMP.
  ASSERT_EQ(c.send(data, nowhere, nullptr, 0, 0), SendResult::kSent);
  ASSERT_TRUE(waitReadable(c.fd()));
  ASSERT_EQ(c.send(data, nowhere, nullptr, 0, 0), SendResult::kSent);
}

void twoThousandBytes(const std::string& ip) {
  auto server = bindOk(withPort(ip, 0));
  ASSERT_TRUE(server);
  auto client = clientFor(*server);
  ASSERT_TRUE(client);
  const std::vector<uint8_t> data = segments(1, 2000);
  ASSERT_EQ(client->send(data, server->localAddress(), nullptr, 0, 0), SendResult::kSent);
  const auto got = receiveN(*server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, data);
}

TEST(UdpSocketTest, TwoThousandByteDatagramGoesOnLoopbackIpv4) {
  twoThousandBytes("127.0.0.1");
}

TEST(UdpSocketTest, TwoThousandByteDatagramGoesOnLoopbackIpv6) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no ::1 here";
  twoThousandBytes("::1");
}

}  // namespace
}  // namespace mqttd
