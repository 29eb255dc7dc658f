#include "net/buffered_socket.h"

#include <event2/buffer.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "core/event_loop.h"
#include "net/tcp_listener.h"

namespace mqttd {
namespace {

std::string drain(evbuffer* buf) {
  std::string s(evbuffer_get_length(buf), '\0');
  evbuffer_remove(buf, s.data(), s.size());
  return s;
}

BufferedSocket::Callbacks callbacks(std::function<void()> on_readable,
                                    std::function<void(BufferedSocket::Event)> on_event = {}) {
  BufferedSocket::Callbacks c;
  c.on_readable = std::move(on_readable);
  c.on_event = std::move(on_event);
  return c;
}

// A connected pair: `a` is a BufferedSocket, `peer` a plain blocking socket for the test.
struct Pair {
  int peer = -1;
  std::unique_ptr<BufferedSocket> a;
  ~Pair() {
    if (peer >= 0) ::close(peer);
  }
};

void makePair(EventLoop& loop, Pair& p, BufferedSocket::Callbacks cb) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  p.peer = sv[1];
  p.a = std::make_unique<BufferedSocket>(loop, UniqueFd(sv[0]), std::move(cb));
}

TEST(BufferedSocketTest, WritesEverythingQueuedInOneIterationAndReadsThePeer) {
  EventLoop loop;
  Pair p;
  std::string got;
  makePair(loop, p, callbacks([&] {
                       got += drain(p.a->input());
                       if (got == "pong") loop.stop();
                     }));
  Timer kick(loop, [&] {
    evbuffer_add(p.a->output(), "pi", 2);
    evbuffer_add(p.a->output(), "ng", 2);
    EXPECT_EQ(p.a->outputLength(), 4u);  // written at the end of the iteration, not inline
  });
  kick.start(std::chrono::milliseconds(0));
  Timer answer(loop, [&] {
    char buf[8];
    ASSERT_EQ(::read(p.peer, buf, sizeof buf), 4);
    EXPECT_EQ(std::string(buf, 4), "ping");
    ASSERT_EQ(::write(p.peer, "pong", 4), 4);
  });
  answer.start(std::chrono::milliseconds(20));
  loop.run();
  EXPECT_EQ(got, "pong");
  EXPECT_EQ(p.a->outputLength(), 0u);
}

TEST(BufferedSocketTest, PeerFinIsEofAfterTheData) {
  EventLoop loop;
  Pair p;
  std::string got;
  bool eof = false;
  makePair(loop, p, callbacks([&] { got += drain(p.a->input()); },
                              [&](BufferedSocket::Event e) {
                                EXPECT_EQ(e, BufferedSocket::Event::kEof);
                                eof = true;
                                p.a->closeNow();
                              }));
  ASSERT_EQ(::write(p.peer, "bye", 3), 3);
  ASSERT_EQ(::shutdown(p.peer, SHUT_WR), 0);
  loop.run();
  EXPECT_EQ(got, "bye");
  EXPECT_TRUE(eof);
}

TEST(BufferedSocketTest, ShutdownWriteSendsFinAfterTheQueuedBytes) {
  EventLoop loop;
  Pair p;
  makePair(loop, p, {});
  evbuffer_add(p.a->output(), "last", 4);
  p.a->shutdownWrite();
  EXPECT_FALSE(p.a->writeShutDown());  // bytes still queued
  Timer done(loop, [&] { p.a->closeNow(); });
  done.start(std::chrono::milliseconds(20));
  loop.run();
  char buf[8];
  EXPECT_EQ(::read(p.peer, buf, sizeof buf), 4);
  EXPECT_EQ(::read(p.peer, buf, sizeof buf), 0);  // FIN
}

TEST(BufferedSocketTest, ReadingPausesAtTheHighWaterMarkAndResumesWhenDrained) {
  EventLoop loop;
  Pair p;
  size_t consumed = 0;
  size_t max_seen = 0;
  constexpr size_t kTotal = 256 * 1024;
  constexpr size_t kHigh = 8 * 1024;
  makePair(loop, p, callbacks([&] { max_seen = std::max(max_seen, p.a->inputLength()); }));
  p.a->setWatermarks(kHigh, 0);
  // The consumer takes 4 KiB per millisecond; the peer writes everything at once.
  Timer consume(loop, [&] {
    const size_t n = std::min<size_t>(4096, p.a->inputLength());
    evbuffer_drain(p.a->input(), n);
    consumed += n;
    if (consumed < kTotal) {
      consume.start(std::chrono::milliseconds(1));
    } else {
      p.a->closeNow();
    }
  });
  consume.start(std::chrono::milliseconds(1));
  std::thread writer([&] {
    std::string chunk(kTotal, 'x');
    size_t off = 0;
    while (off < kTotal) {
      const ssize_t n = ::write(p.peer, chunk.data() + off, kTotal - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  });
  loop.run();
  writer.join();
  EXPECT_EQ(consumed, kTotal);
  EXPECT_LE(max_seen, kHigh);
}

TEST(BufferedSocketTest, ConnectReportsConnectedAndFlushesWritesQueuedBefore) {
  EventLoop loop;
  std::string received;
  std::unique_ptr<BufferedSocket> server;
  auto listener = TcpListener::open(loop, SocketAddress::parse("127.0.0.1:0").value(), 8,
                                    [&](UniqueFd fd, const SocketAddress&) {
                                      server = std::make_unique<BufferedSocket>(
                                          loop, std::move(fd),
                                          callbacks([&] {
                                            received += drain(server->input());
                                            if (received == "early") loop.stop();
                                          }));
                                    });
  ASSERT_TRUE(listener);
  bool connected = false;
  BufferedSocket client(loop, callbacks({}, [&](BufferedSocket::Event e) {
                          EXPECT_EQ(e, BufferedSocket::Event::kConnected);
                          connected = true;
                        }));
  evbuffer_add(client.output(), "early", 5);
  ASSERT_TRUE(client.connect(listener.value()->address()));
  loop.run();
  EXPECT_TRUE(connected);
  EXPECT_EQ(received, "early");
}

TEST(BufferedSocketTest, ConnectToAClosedPortIsAnError) {
  EventLoop loop;
  SocketAddress closed;
  {
    auto l = TcpListener::open(loop, SocketAddress::parse("127.0.0.1:0").value(), 1,
                               [](UniqueFd, const SocketAddress&) {});
    ASSERT_TRUE(l);
    closed = l.value()->address();
  }
  bool error = false;
  BufferedSocket client(loop, callbacks({}, [&](BufferedSocket::Event e) {
                          error = e == BufferedSocket::Event::kError;
                        }));
  ASSERT_TRUE(client.connect(closed));
  loop.run();
  EXPECT_TRUE(error);
  EXPECT_FALSE(client.lastError().empty());
}

}  // namespace
}  // namespace mqttd
