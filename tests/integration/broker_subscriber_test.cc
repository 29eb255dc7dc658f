// BrokerSubscriber (issue 7, `source: broker` routes): the gateway's own MQTT 3.1.1 session at
// a real Mosquitto. Messages published with mosquitto_pub reach on_message intact; configure()
// changes the live subscriptions without a reconnect; a killed broker, an absent broker and a
// refused CONNACK are retried with backoff; an empty filter list makes no connection; a SUBACK
// failure code (0x80, from a byte-exact fake broker) is logged and the other filters work.
// The subscriber lives on an EventLoop in a helper thread; the test thread only talks to it
// through EventLoop::callLater.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <thread>

#include "mqtt_bytes.h"
#include "server/broker_subscriber.h"
#include "support/child_process.h"
#include "support/mosquitto_broker.h"
#include "support/test_net.h"

namespace mqttd::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// An EventLoop running on its own thread until destroyed.
class LoopThread {
 public:
  LoopThread() : keep_running_(loop_, [this] { keep_running_.start(seconds(1)); }) {
    keep_running_.start(seconds(1));  // run() returns when nothing is left to wait for
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~LoopThread() {
    call([this] { loop_.stop(); });
    thread_.join();
  }
  EventLoop& loop() { return loop_; }

  // Runs `fn` on the loop thread and returns its result.
  template <typename F>
  auto call(F fn) -> decltype(fn()) {
    using R = decltype(fn());
    std::promise<R> done;
    auto result = done.get_future();
    loop_.callLater([&] {
      if constexpr (std::is_void_v<R>) {
        fn();
        done.set_value();
      } else {
        done.set_value(fn());
      }
    });
    return result.get();
  }

 private:
  EventLoop loop_;
  Timer keep_running_;
  std::thread thread_;
};

// Messages handed to on_message, filled on the loop thread, read by the test thread.
class Inbox {
 public:
  void push(Message m) {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(m));
    changed_.notify_all();
  }
  // The first message on `topic`, waiting up to `timeout` for it.
  std::optional<Message> waitFor(const std::string& topic, milliseconds timeout = seconds(15)) {
    std::unique_lock lock(mutex_);
    std::optional<Message> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const Message& m : messages_) {
        if (m.topic == topic) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  size_t count(const std::string& topic) {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(messages_.begin(), messages_.end(),
                                             [&](const Message& m) { return m.topic == topic; }));
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Message> messages_;
};

// Captures this process's stdout (where Log writes) until take() or destruction, so that a
// failed ASSERT inside the window does not leave gtest's capture open.
class StdoutCapture {
 public:
  StdoutCapture() { testing::internal::CaptureStdout(); }
  ~StdoutCapture() { (void)take(); }
  const std::string& take() {
    if (!taken_) {
      text_ = testing::internal::GetCapturedStdout();
      taken_ = true;
    }
    return text_;
  }

 private:
  std::string text_;
  bool taken_ = false;
};

// Polls `pred` (every 20 ms) until it holds or `timeout` passes.
template <typename Pred>
bool eventually(Pred pred, milliseconds timeout = seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

SocketAddress loopback(uint16_t port) {
  return SocketAddress::parse("127.0.0.1:" + std::to_string(port)).value();
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

using Filters = std::vector<std::pair<std::string, uint8_t>>;

class BrokerSubscriberTest : public ::testing::Test {
 protected:
  static constexpr const char* kClientId = "mqttd-gw-test-subscriber";

  void SetUp() override {
    char tmpl[] = "/tmp/mqttd-bsub-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    loop_ = std::make_unique<LoopThread>();
    loop_->call([this] {
      sub_ = std::make_unique<BrokerSubscriber>(loop_->loop(), kClientId,
                                                [this](Message m) { inbox_.push(std::move(m)); });
    });
  }

  void TearDown() override {
    loop_->call([this] { sub_.reset(); });
    loop_.reset();
    if (HasFailure()) std::cerr << "---- mosquitto log ----\n" << brokerLog();
    broker_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  void startBroker(uint16_t port = 0) {
    broker_ = std::make_unique<MosquittoBroker>(dir_, port);
    ASSERT_TRUE(broker_->started()) << "mosquitto did not start";
  }

  void configure(uint16_t port, Filters filters) {
    loop_->call([&] { sub_->configure(loopback(port), std::move(filters)); });
  }
  bool connected() { return loop_->call([this] { return sub_->connected(); }); }
  uint64_t reconnects() { return loop_->call([this] { return sub_->reconnects(); }); }
  uint64_t attempts() { return loop_->call([this] { return sub_->attempts(); }); }

  // mosquitto_pub to the broker (`-m message` unless empty); returns its exit status.
  // `extra` e.g. {"-r"} or {"-f", path}.
  int publish(const std::string& topic, int qos, const std::string& message,
              const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"mosquitto_pub", "-h", "127.0.0.1", "-p",
                                  std::to_string(broker_->port()), "-t", topic, "-q",
                                  std::to_string(qos)};
    if (!message.empty()) argv.insert(argv.end(), {"-m", message});
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess pub(argv);
    return pub.wait(seconds(30)).value_or(-1);
  }

  std::string brokerLog() const {
    std::ifstream in(dir_ + "/mosquitto.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Mosquitto 2.0 logs "New client connected from <ip:port> as <id> (p2, c1, k30)."
  size_t brokerSessionsOfSubscriber() const {
    return occurrences(brokerLog(), std::string(" as ") + kClientId + " (");
  }

  std::string dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  Inbox inbox_;                        // before loop_: on_message may run until loop_ stops
  std::unique_ptr<LoopThread> loop_;
  std::unique_ptr<BrokerSubscriber> sub_;  // created and destroyed on the loop thread
};

TEST_F(BrokerSubscriberTest, DeliversBrokerMessagesWithTopicPayloadQosAndRetain) {
  ASSERT_NO_FATAL_FAILURE(startBroker());
  // Retained before the subscription exists: delivered with RETAIN=1 [MQTT-3.3.1-6].
  ASSERT_EQ(publish("bs/kept", 1, "old news", {"-r"}), 0);

  const auto before = std::chrono::system_clock::now();
  configure(broker_->port(), {{"bs/#", 2}, {"down/#", 1}});
  ASSERT_TRUE(eventually([&] { return connected(); })) << "no CONNACK/SUBACK";
  EXPECT_NE(brokerLog().find(std::string(" as ") + kClientId + " (p2, c1, k30)"),
            std::string::npos)
      << "expected MQTT 3.1.1 (p2), clean session (c1), keep-alive 30 s (k30)";

  auto kept = inbox_.waitFor("bs/kept");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->payload, "old news");
  EXPECT_TRUE(kept->retain);
  EXPECT_EQ(kept->qos, 1);

  std::string binary("\x00\x01\xff\xfe\r\n\x80 mqtt \x00", 13);
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  const std::string file = dir_ + "/binary.bin";
  std::ofstream(file, std::ios::binary) << binary;

  ASSERT_EQ(publish("elsewhere/x", 0, "not subscribed"), 0);
  ASSERT_EQ(publish("bs/q0", 0, "zero"), 0);
  ASSERT_EQ(publish("bs/q1", 1, "one", {"-r"}), 0);
  ASSERT_EQ(publish("down/q2", 2, "capped"), 0);
  ASSERT_EQ(publish("bs/q2", 2, "", {"-f", file}), 0);

  auto q2 = inbox_.waitFor("bs/q2");
  ASSERT_TRUE(q2);
  EXPECT_EQ(q2->payload, binary);
  EXPECT_EQ(q2->payload.size(), 13u + 256u);
  EXPECT_EQ(q2->qos, 2);
  EXPECT_FALSE(q2->retain);
  EXPECT_EQ(q2->transport, "broker");
  EXPECT_EQ(q2->peer, "127.0.0.1:" + std::to_string(broker_->port()));
  EXPECT_EQ(q2->client_id, "");
  EXPECT_EQ(q2->username, "");
  EXPECT_EQ(q2->connection_id, "");
  EXPECT_GE(q2->timestamp, before);
  EXPECT_LE(q2->timestamp, std::chrono::system_clock::now());

  // Published (one at a time) before bs/q2, so already here if they were delivered at all.
  auto q0 = inbox_.waitFor("bs/q0", milliseconds(0));
  ASSERT_TRUE(q0);
  EXPECT_EQ(q0->payload, "zero");
  EXPECT_EQ(q0->qos, 0);
  auto q1 = inbox_.waitFor("bs/q1", milliseconds(0));
  ASSERT_TRUE(q1);
  EXPECT_EQ(q1->payload, "one");
  EXPECT_EQ(q1->qos, 1);
  // RETAIN=0 towards an existing subscription [MQTT-3.3.1-9].
  EXPECT_FALSE(q1->retain);
  auto capped = inbox_.waitFor("down/q2", milliseconds(0));
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->qos, 1) << "QoS is the minimum of the publish and the filter's [MQTT-3.8.4-6]";
  EXPECT_EQ(inbox_.count("elsewhere/x"), 0u);
  EXPECT_EQ(inbox_.count("bs/q0"), 1u);

  EXPECT_EQ(reconnects(), 0u);
  EXPECT_EQ(attempts(), 1u);
}

TEST_F(BrokerSubscriberTest, ReconfigureChangesSubscriptionsOnTheLiveSession) {
  ASSERT_NO_FATAL_FAILURE(startBroker());
  configure(broker_->port(), {{"a/#", 1}, {"b/#", 1}});
  ASSERT_TRUE(eventually([&] { return connected(); }));
  ASSERT_EQ(publish("a/1", 1, "a1"), 0);
  ASSERT_EQ(publish("b/1", 1, "b1"), 0);
  ASSERT_TRUE(inbox_.waitFor("a/1"));
  ASSERT_TRUE(inbox_.waitFor("b/1"));

  // a/# removed, c/# added, b/# lowered to QoS 0 (re-SUBSCRIBE replaces it [MQTT-3.8.4-3]).
  configure(broker_->port(), {{"b/#", 0}, {"c/#", 1}});
  ASSERT_TRUE(eventually([&] { return connected(); })) << "no SUBACK/UNSUBACK";
  ASSERT_EQ(publish("a/2", 1, "a2"), 0);
  ASSERT_EQ(publish("c/2", 1, "c2"), 0);
  ASSERT_EQ(publish("b/2", 1, "b2"), 0);
  auto b2 = inbox_.waitFor("b/2");
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->qos, 0);
  auto c2 = inbox_.waitFor("c/2", milliseconds(0));
  ASSERT_TRUE(c2);
  EXPECT_EQ(c2->payload, "c2");
  EXPECT_EQ(inbox_.count("a/2"), 0u) << "the removed filter still delivers";

  // Same list again: nothing to change, still connected.
  configure(broker_->port(), {{"c/#", 1}, {"b/#", 0}});
  EXPECT_TRUE(connected());
  EXPECT_EQ(reconnects(), 0u);
  EXPECT_EQ(attempts(), 1u);
  EXPECT_EQ(brokerSessionsOfSubscriber(), 1u);
}

TEST_F(BrokerSubscriberTest, ReconnectsAndResubscribesAfterBrokerRestart) {
  ASSERT_NO_FATAL_FAILURE(startBroker());
  const uint16_t port = broker_->port();
  configure(port, {{"r/#", 1}});
  ASSERT_TRUE(eventually([&] { return connected(); }));
  ASSERT_EQ(publish("r/before", 1, "before"), 0);
  ASSERT_TRUE(inbox_.waitFor("r/before"));

  broker_->kill();
  ASSERT_TRUE(eventually([&] { return !connected(); })) << "the loss went unnoticed";
  // Let it fail against the closed port a few times (100, 200, 400 ms...).
  const uint64_t attempts_down = attempts();
  ASSERT_TRUE(eventually([&] { return attempts() >= attempts_down + 2; }));
  broker_.reset();
  ASSERT_NO_FATAL_FAILURE(startBroker(port));
  ASSERT_TRUE(eventually([&] { return connected(); })) << "did not reconnect";
  EXPECT_EQ(reconnects(), 1u);

  ASSERT_EQ(publish("r/after", 1, "after"), 0);
  auto after = inbox_.waitFor("r/after");
  ASSERT_TRUE(after) << "not resubscribed after the reconnect";
  EXPECT_EQ(after->payload, "after");
}

TEST_F(BrokerSubscriberTest, RetriesUntilTheBrokerAppearsAndWarnsOncePerOutage) {
  const uint16_t port = freeTcpPort();  // nothing listens there yet
  StdoutCapture capture;
  configure(port, {{"late/#", 0}});
  const bool retried = eventually([&] { return attempts() >= 4; });
  const bool early = connected();
  broker_ = std::make_unique<MosquittoBroker>(dir_, port);
  const bool up = broker_->started() && eventually([&] { return connected(); });
  const std::string log = capture.take();
  ASSERT_TRUE(retried) << log;
  EXPECT_FALSE(early);
  ASSERT_TRUE(up) << log;
  EXPECT_EQ(occurrences(log, "WARN"), 1u) << "one warning per outage, not per attempt:\n" << log;
  EXPECT_EQ(occurrences(log, "broker subscription: cannot connect, retrying"), 1u) << log;
  EXPECT_EQ(occurrences(log, "broker subscription restored"), 1u) << log;
  EXPECT_EQ(reconnects(), 0u) << "the first session is not a reconnect";

  ASSERT_EQ(publish("late/x", 0, "finally"), 0);
  auto m = inbox_.waitFor("late/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "finally");
}

TEST_F(BrokerSubscriberTest, EmptyFilterListMakesNoConnectionAndEndsTheSession) {
  ASSERT_NO_FATAL_FAILURE(startBroker());
  configure(broker_->port(), {});
  configure(broker_->port(), {{"bad/#/x", 1}, {"", 0}});  // only invalid filters: none left
  EXPECT_EQ(attempts(), 0u);
  // An absence: watch for a second that nothing connects.
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(attempts(), 0u);
  EXPECT_FALSE(connected());
  EXPECT_EQ(brokerSessionsOfSubscriber(), 0u) << brokerLog();

  // Filters appear (SIGHUP): it connects; they go: DISCONNECT, and it stays idle.
  configure(broker_->port(), {{"e/#", 0}});
  ASSERT_TRUE(eventually([&] { return connected(); }));
  configure(broker_->port(), {});
  EXPECT_FALSE(connected());
  const std::string disconnected = std::string("Client ") + kClientId + " disconnected.";
  EXPECT_TRUE(eventually([&] { return brokerLog().find(disconnected) != std::string::npos; }))
      << "no DISCONNECT seen by the broker";
  EXPECT_EQ(attempts(), 1u);
  EXPECT_EQ(brokerSessionsOfSubscriber(), 1u);
}

// A blocking one-connection MQTT server on a free loopback port, for byte-exact exchanges.
class FakeBroker {
 public:
  FakeBroker() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    (void)setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::listen(listen_fd_, 8) == 0 &&
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~FakeBroker() {
    closeClient();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

  bool accept(milliseconds timeout) {
    closeClient();
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    return fd_ >= 0;
  }
  void closeClient() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send(const std::vector<uint8_t>& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // One whole packet (fixed header included), or nullopt on timeout/EOF.
  std::optional<std::vector<uint8_t>> readPacket(milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<uint8_t> packet;
    if (!readInto(packet, 2, deadline)) return std::nullopt;
    size_t length = 0;
    for (size_t shift = 0, i = 1;; ++i, shift += 7) {
      length |= static_cast<size_t>(packet[i] & 0x7f) << shift;
      if ((packet[i] & 0x80) == 0) break;
      if (i == 4 || !readInto(packet, 1, deadline)) return std::nullopt;
    }
    if (!readInto(packet, length, deadline)) return std::nullopt;
    return packet;
  }

 private:
  bool readInto(std::vector<uint8_t>& out, size_t n,
                std::chrono::steady_clock::time_point deadline) {
    while (n > 0) {
      const auto left = std::chrono::duration_cast<milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
      uint8_t buf[512];
      const ssize_t got = ::recv(fd_, buf, std::min(n, sizeof buf), 0);
      if (got <= 0) return false;
      out.insert(out.end(), buf, buf + got);
      n -= static_cast<size_t>(got);
    }
    return true;
  }

  int listen_fd_ = -1;
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A refused CONNACK is retried like any loss; a SUBACK failure (0x80) for one filter is logged as
// an error, the session keeps running and the granted filter delivers [MQTT-3.9.3].
TEST_F(BrokerSubscriberTest, RefusedConnackIsRetriedAndSubackFailureIsLogged) {
  FakeBroker fake;
  ASSERT_NE(fake.port(), 0);
  StdoutCapture capture;
  configure(fake.port(), {{"denied/#", 1}, {"granted/#", 1}});

  // 1st attempt: CONNACK return code 5, not authorised (3.1.1 §3.2.2.3).
  ASSERT_TRUE(fake.accept(seconds(10)));
  auto connect = fake.readPacket(seconds(10));
  ASSERT_TRUE(connect);
  EXPECT_EQ((*connect)[0], 0x10);
  EXPECT_NE(std::string(connect->begin(), connect->end()).find(kClientId), std::string::npos);
  ASSERT_TRUE(fake.send({0x20, 0x02, 0x00, 0x05}));

  // 2nd attempt: accepted; SUBSCRIBE with both filters, in one packet.
  ASSERT_TRUE(fake.accept(seconds(10))) << "the refused CONNACK was not retried";
  ASSERT_TRUE(fake.readPacket(seconds(10)));
  ASSERT_TRUE(fake.send({0x20, 0x02, 0x00, 0x00}));
  auto subscribe = fake.readPacket(seconds(10));
  ASSERT_TRUE(subscribe);
  ASSERT_EQ((*subscribe)[0], 0x82);  // SUBSCRIBE, flags 0b0010 [MQTT-3.8.1-1]
  const std::string body(subscribe->begin(), subscribe->end());
  const size_t denied_at = body.find("denied/#");
  const size_t granted_at = body.find("granted/#");
  ASSERT_NE(denied_at, std::string::npos);
  ASSERT_NE(granted_at, std::string::npos);
  const uint8_t id_msb = (*subscribe)[2];
  const uint8_t id_lsb = (*subscribe)[3];
  // Return codes in the order of the filters in the SUBSCRIBE.
  const uint8_t denied_code = 0x80;
  std::vector<uint8_t> suback{0x90, 0x04, id_msb, id_lsb};
  if (denied_at < granted_at) {
    suback.insert(suback.end(), {denied_code, 0x01});
  } else {
    suback.insert(suback.end(), {0x01, denied_code});
  }
  ASSERT_TRUE(fake.send(suback));
  ASSERT_TRUE(fake.send(publishPacket("granted/x", std::string("ok\0ok", 5))));

  auto m = inbox_.waitFor("granted/x");
  const bool up = eventually([&] { return connected(); });
  const std::string log = capture.take();
  ASSERT_TRUE(m) << log;
  EXPECT_EQ(m->payload, std::string("ok\0ok", 5));
  EXPECT_EQ(m->qos, 0);
  EXPECT_TRUE(up);
  EXPECT_EQ(attempts(), 2u);
  EXPECT_EQ(reconnects(), 0u);
  EXPECT_NE(log.find("Connection Refused: not authorised."), std::string::npos) << log;
  EXPECT_EQ(occurrences(log, "broker refused subscription"), 1u) << log;
  EXPECT_NE(log.find("filter=denied/#"), std::string::npos) << log;
  EXPECT_NE(log.find("ERROR"), std::string::npos) << log;
}

}  // namespace
}  // namespace mqttd::test
