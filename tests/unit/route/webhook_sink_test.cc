#include "route/webhook_sink.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "route/handler_queue.h"
#include "route/message_json.h"
#include "route/sink_factory.h"
#include "route_test_support.h"

namespace mqttd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::sampleMessage;
using test::waitFor;

// A real HTTP server on 127.0.0.1 (evhttp on its own thread) that records what it is sent and
// answers 200, or 503 for the next `fail_next` requests, or not at all while `silent`.
class TestHttpServer {
 public:
  struct Request {
    int method = 0;
    std::string uri;
    std::string content_type;
    std::string host;
    std::string body;
    uint16_t peer_port = 0;  // the client's port: one per TCP connection
  };

  explicit TestHttpServer(int idle_timeout_seconds = 0) {
    static const int threads_ready = evthread_use_pthreads();
    (void)threads_ready;
    base_ = event_base_new();
    http_ = evhttp_new(base_);
    if (idle_timeout_seconds > 0) evhttp_set_timeout(http_, idle_timeout_seconds);
    evhttp_set_gencb(http_, &TestHttpServer::onRequest, this);
    evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(http_, "127.0.0.1", 0);
    EXPECT_NE(bound, nullptr);
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
  ~TestHttpServer() {
    event_base_loopbreak(base_);
    thread_.join();
    evhttp_free(http_);  // also frees requests never answered
    event_base_free(base_);
  }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void failNext(int n) {
    std::lock_guard lock(mutex_);
    fail_next_ = n;
  }
  void setSilent(bool silent) {
    std::lock_guard lock(mutex_);
    silent_ = silent;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int closedConnections() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  static void onRequest(evhttp_request* req, void* arg) {
    static_cast<TestHttpServer*>(arg)->handle(req);
  }
  static void onClose(evhttp_connection*, void* arg) {
    auto* self = static_cast<TestHttpServer*>(arg);
    std::lock_guard lock(self->mutex_);
    ++self->closed_;
  }

  void handle(evhttp_request* req) {
    Request r;
    r.method = evhttp_request_get_command(req);
    r.uri = evhttp_request_get_uri(req);
    const char* ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    r.content_type = ct != nullptr ? ct : "";
    const char* host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
    r.host = host != nullptr ? host : "";
    evbuffer* in = evhttp_request_get_input_buffer(req);
    r.body.resize(evbuffer_get_length(in));
    evbuffer_copyout(in, r.body.data(), r.body.size());
    evhttp_connection* conn = evhttp_request_get_connection(req);
    char* peer_address = nullptr;
    ev_uint16_t peer_port = 0;
    evhttp_connection_get_peer(conn, &peer_address, &peer_port);
    r.peer_port = peer_port;
    evhttp_connection_set_closecb(conn, &TestHttpServer::onClose, this);

    int status = 200;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(r));
      if (silent_) return;  // never answered
      if (fail_next_ > 0) {
        --fail_next_;
        status = 503;
      }
    }
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Service Unavailable", nullptr);
  }

  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<Request> requests_;  // guarded by mutex_
  int fail_next_ = 0;              // guarded
  bool silent_ = false;            // guarded
  int closed_ = 0;                 // server-side connections closed; guarded
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
uint16_t closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

HandlerConfig webhookConfig(const std::string& url, uint32_t retries = 3,
                            std::chrono::milliseconds timeout = 2000ms) {
  HandlerConfig config;
  config.name = "w";
  config.type = HandlerType::kWebhook;
  config.url = url;
  config.retries = retries;
  config.timeout = timeout;
  return config;
}

std::unique_ptr<HandlerSink> makeWebhook(const HandlerConfig& config) {
  auto sink = makeSink(config);
  EXPECT_TRUE(sink.ok()) << sink.error();
  return sink.ok() ? std::move(sink).value() : nullptr;
}

TEST(WebhookSinkTest, PostsTheJsonOfTheMessage) {
  TestHttpServer server;
  auto sink = makeWebhook(webhookConfig(server.url("/hook?x=1")));
  ASSERT_TRUE(sink);
  const Message m = sampleMessage("a/b", "21.5");
  const auto r = sink->deliver(m);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, EVHTTP_REQ_POST);
  EXPECT_EQ(requests[0].uri, "/hook?x=1");
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(requests[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].body, messageToJson(m));
}

TEST(WebhookSinkTest, KeepsTheConnectionAcrossMessages) {
  TestHttpServer server;
  auto sink = makeWebhook(webhookConfig(server.url()));
  ASSERT_TRUE(sink);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sink->deliver(sampleMessage()).ok());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].peer_port, requests[1].peer_port);
  EXPECT_EQ(requests[1].peer_port, requests[2].peer_port);
}

TEST(WebhookSinkTest, ReconnectsWhenTheServerClosedTheIdleConnection) {
  TestHttpServer server(1);                                 // closes connections idle for 1 s
  auto sink = makeWebhook(webhookConfig(server.url(), 0));  // no retries: must just work
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->deliver(sampleMessage()).ok());
  ASSERT_TRUE(waitFor([&] { return server.closedConnections() == 1; }, 10s));
  const auto r = sink->deliver(sampleMessage());
  EXPECT_TRUE(r.ok()) << r.error();
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].peer_port, requests[1].peer_port);
}

TEST(WebhookSinkTest, RetriesAfter503WithBackoff) {
  TestHttpServer server;
  server.failNext(2);
  auto sink = makeWebhook(webhookConfig(server.url(), 3));
  ASSERT_TRUE(sink);
  const auto begin = Clock::now();
  const auto r = sink->deliver(sampleMessage());
  const auto took = Clock::now() - begin;
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_GE(took, 300ms);  // 100 + 200 ms of backoff
  EXPECT_LT(took, 2s);
}

TEST(WebhookSinkTest, GivesUpAfterTheRetriesWithTheLastStatus) {
  TestHttpServer server;
  server.failNext(100);
  auto sink = makeWebhook(webhookConfig(server.url(), 2));
  ASSERT_TRUE(sink);
  const auto r = sink->deliver(sampleMessage());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "HTTP 503 (3 attempts)");
  EXPECT_EQ(server.requests().size(), 3u);
  // Each attempt after a failure is on a new connection.
  std::set<uint16_t> ports;
  for (const auto& q : server.requests()) ports.insert(q.peer_port);
  EXPECT_EQ(ports.size(), 3u);
}

TEST(WebhookSinkTest, ConnectionRefused) {
  auto sink =
      makeWebhook(webhookConfig("http://127.0.0.1:" + std::to_string(closedPort()) + "/", 1));
  ASSERT_TRUE(sink);
  const auto begin = Clock::now();
  const auto r = sink->deliver(sampleMessage());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "connection refused (2 attempts)");
  EXPECT_LT(Clock::now() - begin, 1s);
}

TEST(WebhookSinkTest, ServerThatNeverAnswersTimesOut) {
  TestHttpServer server;
  server.setSilent(true);
  auto sink = makeWebhook(webhookConfig(server.url(), 1, 300ms));
  ASSERT_TRUE(sink);
  const auto begin = Clock::now();
  const auto r = sink->deliver(sampleMessage());
  const auto took = Clock::now() - begin;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "timeout after 300ms (2 attempts)");
  EXPECT_GE(took, 700ms);  // 2 x 300 ms + 100 ms backoff
  EXPECT_LT(took, 2s);
  EXPECT_EQ(server.requests().size(), 2u);

  server.setSilent(false);  // and the next message goes through on a new connection
  const auto again = sink->deliver(sampleMessage());
  EXPECT_TRUE(again.ok()) << again.error();
}

TEST(WebhookSinkTest, TimeoutIsWrittenInSecondsWhenWhole) {
  TestHttpServer server;
  server.setSilent(true);
  auto sink = makeWebhook(webhookConfig(server.url(), 0, 1000ms));
  ASSERT_TRUE(sink);
  const auto r = sink->deliver(sampleMessage());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "timeout after 1s (1 attempt)");
}

TEST(WebhookSinkTest, ResolvesAHostName) {
  auto sink = WebhookSink::create(webhookConfig("http://localhost:9/x"));
  ASSERT_TRUE(sink.ok()) << sink.error();
  EXPECT_TRUE((*sink)->address() == "127.0.0.1" || (*sink)->address() == "::1")
      << (*sink)->address();
}

TEST(WebhookSinkTest, UnresolvableHostFailsInTheFactory) {
  auto sink = makeSink(webhookConfig("http://no-such-host.invalid/x"));
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.error().rfind("handler 'w': cannot resolve 'no-such-host.invalid': ", 0), 0u)
      << sink.error();
}

TEST(WebhookSinkTest, BadUrlsFailInTheFactory) {
  for (const char* url : {"ftp://127.0.0.1/x", "not a url", "http:///path"}) {
    auto sink = makeSink(webhookConfig(url));
    ASSERT_FALSE(sink.ok()) << url;
    EXPECT_EQ(sink.error().rfind("handler 'w': ", 0), 0u) << sink.error();
  }
}

// A stopping queue does not wait out a webhook that never answers (here 10 s x 4 attempts):
// after its grace, stop() cancels the delivery in progress, and the message counts as an error.
TEST(WebhookSinkTest, StoppingTheQueueCancelsADeliveryThatWouldTakeLong) {
  TestHttpServer server;
  server.setSilent(true);
  auto sink = makeWebhook(webhookConfig(server.url(), 3, 10000ms));
  ASSERT_TRUE(sink);
  HandlerQueue queue("hook", "webhook", std::move(sink), 10, 1 << 20);
  ASSERT_TRUE(queue.offer(std::make_shared<const Message>(sampleMessage())));
  for (int i = 0; i < 200 && server.requests().empty(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server.requests().size(), 1u);  // the delivery is in progress
  const auto begin = Clock::now();
  queue.stop(200ms);
  EXPECT_LT(Clock::now() - begin, 5s);  // not 40 s: cancelled
  EXPECT_EQ(queue.errors(), 1u);
  EXPECT_EQ(queue.delivered(), 0u);
}

}  // namespace
}  // namespace mqttd
