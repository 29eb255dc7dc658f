// SimpleClientConnection against a scripted server on a loopback UDP socket in the same event
// loop: the handshake (docs/simple-framing.md §7.1), REFUSE, stateless reset (§7.4), the
// server's CLOSE, idle and handshake timeouts, and close() flushing before CLOSE NO_ERROR.
#include "client/simple_client_connection.h"

#include <event2/event.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "net/udp_socket.h"
#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::client {
namespace {

using simple::ErrorCode;
using simple::LongType;
using simple::PacketReader;
using simple::PacketWriter;
using Bytes = std::vector<uint8_t>;

const Bytes kServerCid(16, 0xab);
const std::array<uint8_t, simple::kResetTokenLength> kToken{1, 2,  3,  4,  5,  6,  7,  8,
                                                            9, 10, 11, 12, 13, 14, 15, 16};
const Bytes kCookie{'c', 'o', 'o', 'k', 'i', 'e'};

// What the client sent in its short headers, decoded.
struct ClientPacket {
  uint64_t packet_number = 0;
  Bytes stream;
  bool ping = false;
  bool close = false;
  uint64_t close_code = ~0ull;
};

// The scripted server: answers HELLOs (COOKIE, then ACCEPT once the cookie comes back) unless
// told otherwise, decodes the client's short headers, and sends what a test asks for.
class FakeServer {
 public:
  explicit FakeServer(EventLoop& loop) {
    auto s = UdpSocket::bind(SocketAddress::parse("127.0.0.1:0").value(), {});
    EXPECT_TRUE(s.ok());
    socket_ = std::move(s).value();
    watch_ = std::make_unique<FdWatch>(loop, socket_->fd(), EV_READ, [this](short) { read(); });
    watch_->enable();
  }

  SocketAddress address() const { return socket_->localAddress(); }

  // HELLOs dropped before answering (a lossy path); ACCEPT parameters; REFUSE instead.
  int drop_hellos = 0;
  simple::Parameters accept_params{1200, 65536, 30000};
  bool refuse = false;
  bool ack_everything = true;  // ACK every ack-eliciting client packet at once

  // Recorded.
  std::vector<Bytes> hellos;  // every HELLO, whole
  std::vector<ClientPacket> packets;
  Bytes client_cid;
  std::function<void(const ClientPacket&)> on_packet;

  void send(std::span<const uint8_t> d) { (void)socket_->send(d, client_, nullptr, 0, 0); }
  // Reads what is queued now (loopback delivers at once: what the client sent is there).
  void drain() { read(); }
  // A short header to the client with `frames` written by `fill`.
  void sendShort(const std::function<void(PacketWriter&)>& fill) {
    std::array<uint8_t, 1200> out{};
    PacketWriter w(out, client_cid, next_pn_++);
    fill(w);
    send({out.data(), w.size()});
  }

 private:
  void read() {
    (void)socket_->receive(64, [this](const ReceivedDatagram& d) {
      client_ = d.peer;
      if ((d.data[0] & 0x80) != 0) {
        onHello(d.data);
      } else {
        onShort(d.data);
      }
    });
  }

  void onHello(std::span<const uint8_t> d) {
    hellos.emplace_back(d.begin(), d.end());
    if (drop_hellos > 0) {
      --drop_hellos;
      return;
    }
    auto p = PacketReader::decodeLong(d);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->type, LongType::kHello);
    client_cid.assign(p->scid.begin(), p->scid.end());
    std::array<uint8_t, 1500> out{};
    size_t n = 0;
    if (refuse) {
      n = PacketWriter::writeRefuse(out, p->scid, p->dcid, ErrorCode::kConnectionRefused,
                                    "server full");
    } else if (!std::equal(p->cookie.begin(), p->cookie.end(), kCookie.begin(), kCookie.end())) {
      n = PacketWriter::writeCookie(out, p->scid, p->dcid, kCookie);
    } else {
      n = PacketWriter::writeAccept(out, p->scid, kServerCid, accept_params, kToken);
    }
    ASSERT_GT(n, 0u);
    send({out.data(), n});
  }

  void onShort(std::span<const uint8_t> d) {
    auto r = PacketReader::decodeShort(d, kServerCid.size());
    ASSERT_TRUE(r.ok());
    ClientPacket cp;
    cp.packet_number = r->packetNumber();
    bool eliciting = false;
    for (;;) {
      auto f = r->nextFrame();
      ASSERT_TRUE(f.ok());
      if (!f.value()) break;
      if (auto* s = std::get_if<simple::StreamFrame>(&*f.value())) {
        cp.stream.insert(cp.stream.end(), s->data.begin(), s->data.end());
        eliciting = true;
      } else if (std::holds_alternative<simple::PingFrame>(*f.value())) {
        cp.ping = eliciting = true;
      } else if (std::holds_alternative<simple::MaxDataFrame>(*f.value())) {
        eliciting = true;
      } else if (auto* c = std::get_if<simple::CloseFrame>(&*f.value())) {
        cp.close = true;
        cp.close_code = c->error_code;
      }
    }
    largest_ = std::max(largest_, cp.packet_number);
    packets.push_back(cp);
    if (eliciting && ack_everything) {
      const simple::AckRange range{0, largest_};
      sendShort([&](PacketWriter& w) { ASSERT_TRUE(w.ack({&range, 1}, 0)); });
    }
    if (on_packet) on_packet(cp);
  }

  std::unique_ptr<UdpSocket> socket_;
  std::unique_ptr<FdWatch> watch_;
  SocketAddress client_;
  uint64_t next_pn_ = 0;
  uint64_t largest_ = 0;
};

class SimpleClientConnectionTest : public ::testing::Test {
 protected:
  SimpleClientConnectionTest() : server_(loop_), deadline_(loop_, [this] { loop_.stop(); }) {}

  // Runs until on_closed (or the 10 s deadline).
  void connectAndRun(SimpleClientConnection& client) {
    ClientTransport::Callbacks cb;
    cb.on_connected = [this] {
      connected_ = true;
      if (on_connected_) on_connected_();
    };
    cb.on_data = [this](std::span<const uint8_t> d) {
      data_.insert(data_.end(), d.begin(), d.end());
    };
    cb.on_fin = [this] { fin_ = true; };
    cb.on_closed = [this](const TransportClose& c) {
      closed_ = c;
      loop_.stop();
    };
    ASSERT_TRUE(client.connect(server_.address(), cb).ok());
    deadline_.start(std::chrono::seconds(10));
    loop_.run();
    server_.drain();  // the CLOSE sent just before on_closed
  }

  EventLoop loop_;
  FakeServer server_;
  Timer deadline_;
  std::function<void()> on_connected_;
  bool connected_ = false;
  Bytes data_;
  bool fin_ = false;
  std::optional<TransportClose> closed_;
};

// [§7.1] HELLO padded to 128 bytes; the COOKIE makes it come again with the same initial
// DCID, client CID and parameters plus the cookie; ACCEPT opens the stream both ways; the
// server's CLOSE NO_ERROR ends it as closed by the peer.
TEST_F(SimpleClientConnectionTest, HandshakeThenStreamBothWaysThenPeerClose) {
  SimpleClientConnection::Options o;
  o.stream_window = 100'000;
  o.idle_timeout = std::chrono::milliseconds(20'000);
  SimpleClientConnection client(loop_, o);
  const Bytes hello_text{'h', 'e', 'l', 'l', 'o'};
  on_connected_ = [&] { client.write(hello_text); };
  server_.on_packet = [&](const ClientPacket& p) {
    if (p.stream != hello_text) return;
    server_.sendShort([](PacketWriter& w) {
      const std::array<iovec, 1> iov{iovec{const_cast<char*>("world"), 5}};
      bool fin = false;
      EXPECT_EQ(w.stream(0, iov, 5, false, &fin), 5u);
    });
    server_.sendShort([](PacketWriter& w) { EXPECT_TRUE(w.close(ErrorCode::kNoError, "")); });
  };
  connectAndRun(client);
  ASSERT_EQ(server_.hellos.size(), 2u);
  for (const Bytes& h : server_.hellos) EXPECT_GE(h.size(), 128u);
  auto first = PacketReader::decodeLong(server_.hellos[0]);
  auto second = PacketReader::decodeLong(server_.hellos[1]);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GE(first->dcid.size(), 8u);
  EXPECT_LE(first->dcid.size(), 20u);
  EXPECT_EQ(first->scid.size(), 8u);
  EXPECT_TRUE(first->cookie.empty());
  EXPECT_EQ(first->params, (simple::Parameters{1200, 100'000, 20'000}));
  EXPECT_TRUE(
      std::equal(first->dcid.begin(), first->dcid.end(), second->dcid.begin(), second->dcid.end()));
  EXPECT_TRUE(
      std::equal(first->scid.begin(), first->scid.end(), second->scid.begin(), second->scid.end()));
  EXPECT_EQ(first->params, second->params);
  EXPECT_TRUE(
      std::equal(second->cookie.begin(), second->cookie.end(), kCookie.begin(), kCookie.end()));
  EXPECT_TRUE(connected_);
  EXPECT_EQ(data_, (Bytes{'w', 'o', 'r', 'l', 'd'}));
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kClosedByPeer) << closed_->text;
}

// [§7.1] Lost HELLOs are sent again (250 ms, doubling) until the server answers.
TEST_F(SimpleClientConnectionTest, LostHellosAreSentAgain) {
  server_.drop_hellos = 2;
  SimpleClientConnection client(loop_, {});
  on_connected_ = [&] { client.close(); };
  connectAndRun(client);
  EXPECT_TRUE(connected_);
  EXPECT_EQ(server_.hellos.size(), 4u);  // 2 lost, 1 answered with COOKIE, 1 with ACCEPT
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kClosedByUs) << closed_->text;
  ASSERT_FALSE(server_.packets.empty());
  EXPECT_TRUE(server_.packets.back().close);
  EXPECT_EQ(server_.packets.back().close_code, 0u);
}

TEST_F(SimpleClientConnectionTest, RefuseEndsTheHandshakeWithItsReason) {
  server_.refuse = true;
  SimpleClientConnection client(loop_, {});
  connectAndRun(client);
  EXPECT_FALSE(connected_);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kConnectFailed);
  EXPECT_NE(closed_->text.find("CONNECTION_REFUSED"), std::string::npos) << closed_->text;
  EXPECT_NE(closed_->text.find("server full"), std::string::npos) << closed_->text;
  EXPECT_EQ(closed_->error_code, 0x02u);
}

// [§7.4] A short-header datagram whose last 16 bytes are the ACCEPT's reset token.
TEST_F(SimpleClientConnectionTest, StatelessResetClosesTheConnection) {
  SimpleClientConnection client(loop_, {});
  on_connected_ = [&] {
    Bytes reset{0x5f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    reset.insert(reset.end(), kToken.begin(), kToken.end());  // 24 bytes
    server_.send(reset);
  };
  connectAndRun(client);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kPeerError);
  EXPECT_NE(closed_->text.find("stateless reset"), std::string::npos) << closed_->text;
}

TEST_F(SimpleClientConnectionTest, PeerCloseWithAnErrorCodeIsAPeerError) {
  SimpleClientConnection client(loop_, {});
  on_connected_ = [&] {
    server_.sendShort(
        [](PacketWriter& w) { EXPECT_TRUE(w.close(ErrorCode::kUpstreamLost, "broker gone")); });
  };
  connectAndRun(client);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kPeerError);
  EXPECT_EQ(closed_->error_code, 0x100u);
  EXPECT_TRUE(closed_->remote);
  EXPECT_NE(closed_->text.find("UPSTREAM_LOST"), std::string::npos) << closed_->text;
  EXPECT_NE(closed_->text.find("broker gone"), std::string::npos) << closed_->text;
}

// [§7.3] The server's Idle Timeout (300 ms) is the effective one; no keepalive PING (60 s) and
// a silent server: the client gives up.
TEST_F(SimpleClientConnectionTest, IdleTimeoutWhenTheServerGoesSilent) {
  server_.accept_params.idle_timeout_ms = 300;
  SimpleClientConnection::Options o;
  o.keep_alive = std::chrono::seconds(60);
  SimpleClientConnection client(loop_, o);
  connectAndRun(client);
  EXPECT_TRUE(connected_);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kIdleTimeout) << closed_->text;
}

// [§7.3] With the keepalive on (half the effective idle timeout), a quiet client sends PINGs.
TEST_F(SimpleClientConnectionTest, QuietClientSendsKeepalivePings) {
  server_.accept_params.idle_timeout_ms = 400;
  SimpleClientConnection client(loop_, {});
  server_.on_packet = [&](const ClientPacket& p) {
    if (p.ping) client.close();
  };
  connectAndRun(client);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kClosedByUs) << closed_->text;
}

TEST_F(SimpleClientConnectionTest, NoAnswerIsAHandshakeTimeout) {
  server_.drop_hellos = 1000;
  SimpleClientConnection::Options o;
  o.handshake_timeout = std::chrono::milliseconds(600);
  SimpleClientConnection client(loop_, o);
  connectAndRun(client);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kHandshakeTimeout) << closed_->text;
  EXPECT_GE(server_.hellos.size(), 2u);  // sent again within 600 ms (250 ms, then 500 ms)
}

// close() waits until the server acknowledged the data (and FIN), then sends CLOSE NO_ERROR.
TEST_F(SimpleClientConnectionTest, CloseFlushesThenSendsCloseNoError) {
  SimpleClientConnection client(loop_, {});
  const Bytes payload(50'000, 'x');
  server_.ack_everything = false;  // hold the ACKs back at first
  on_connected_ = [&] {
    client.write(payload);
    client.shutdownWrite();
    client.close();
    EXPECT_GT(client.pendingOutput(), 0u);
  };
  Bytes received;
  server_.on_packet = [&](const ClientPacket& p) {
    received.insert(received.end(), p.stream.begin(), p.stream.end());
    if (p.close) return;
    server_.ack_everything = true;  // from now on (the next packet is acknowledged)
  };
  connectAndRun(client);
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(closed_->reason, TransportCloseReason::kClosedByUs) << closed_->text;
  EXPECT_EQ(closed_->text, "closed");
  EXPECT_EQ(client.pendingOutput(), 0u);
  ASSERT_FALSE(server_.packets.empty());
  EXPECT_TRUE(server_.packets.back().close);
  EXPECT_EQ(server_.packets.back().close_code, 0u);
  EXPECT_GE(received.size(), payload.size());
}

}  // namespace
}  // namespace mqttd::client
