#include "route/webhook_sink.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netdb.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include "route/message_json.h"

namespace mqttd {
namespace {

// An event_base whose loop another thread may break (cancel()): libevent's locking must be on
// before the base is made (core's EventLoop turns it on too; this sink may come first).
event_base* threadSafeBase() {
  static const int threads_ready = evthread_use_pthreads();
  (void)threads_ready;
  return event_base_new();
}


struct UriDeleter {
  void operator()(evhttp_uri* uri) const { evhttp_uri_free(uri); }
};
struct EventDeleter {
  void operator()(event* ev) const { event_free(ev); }
};
struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};

timeval toTimeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// "2s" for whole seconds, else "1500ms".
std::string durationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// Resolves `host` (a name or a numeric IP, without brackets) to its first address, numeric.
Result<std::string, std::string> resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) return fail(std::string(gai_strerror(rc)));
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(found);
  char text[NI_MAXHOST];
  if (getnameinfo(list->ai_addr, list->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) !=
      0)
    return fail(std::string("no numeric address"));
  return std::string(text);
}

// What the callbacks of one request learnt. Lives on post()'s stack; the request and the timer
// are gone before it is.
struct AttemptState {
  bool done = false;
  bool timed_out = false;                     // our per-attempt timer fired first
  bool answered = false;                      // the completion callback got a request (not NULL)
  int status = 0;                             // HTTP status of the answer; 0: none
  std::optional<evhttp_request_error> error;  // what libevent reported, if it did
};

// libevent callbacks of one request; `arg` is its AttemptState.
void onResponse(evhttp_request* request, void* arg) {
  auto* state = static_cast<AttemptState*>(arg);
  state->done = true;
  if (request == nullptr) return;  // failed; onError said why (if libevent did)
  state->answered = true;
  state->status = evhttp_request_get_response_code(request);
}

void onError(evhttp_request_error error, void* arg) {
  auto* state = static_cast<AttemptState*>(arg);
  state->error = error;
  state->done = true;
}

void onTimeout(evutil_socket_t, short, void* arg) {
  auto* state = static_cast<AttemptState*>(arg);
  state->timed_out = true;
  state->done = true;
}

}  // namespace

void WebhookSink::BaseDeleter::operator()(event_base* base) const {
  event_base_free(base);
}
void WebhookSink::ConnectionDeleter::operator()(evhttp_connection* connection) const {
  evhttp_connection_free(connection);
}

Result<std::unique_ptr<WebhookSink>, std::string> WebhookSink::create(const HandlerConfig& config) {
  std::unique_ptr<evhttp_uri, UriDeleter> uri(evhttp_uri_parse(config.url.c_str()));
  if (!uri) return fail("invalid url '" + config.url + "'");
  const char* scheme = evhttp_uri_get_scheme(uri.get());
  if (scheme == nullptr || strcasecmp(scheme, "http") != 0)
    return fail("url '" + config.url + "': only http:// is supported");
  const char* host_c = evhttp_uri_get_host(uri.get());
  if (host_c == nullptr || *host_c == '\0') return fail("url '" + config.url + "': no host");
  std::string host = host_c;
  const int port = evhttp_uri_get_port(uri.get());
  std::string host_header = host;
  if (port >= 0) host_header += ":" + std::to_string(port);
  // evhttp keeps an IPv6 literal's brackets in the host.
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const char* path = evhttp_uri_get_path(uri.get());
  std::string target = path != nullptr && *path != '\0' ? path : "/";
  if (const char* query = evhttp_uri_get_query(uri.get()); query != nullptr) {
    target += '?';
    target += query;
  }
  auto address = resolve(host);
  if (!address) return fail("cannot resolve '" + host + "': " + address.error());

  auto sink = std::unique_ptr<WebhookSink>(new WebhookSink(
      config.name, std::move(address).value(), static_cast<uint16_t>(port >= 0 ? port : 80),
      std::move(host_header), std::move(target), config.timeout, config.retries));
  if (!sink->base_) return fail(std::string("event_base_new failed"));
  return sink;
}

WebhookSink::WebhookSink(std::string handler, std::string address, uint16_t port,
                         std::string host_header, std::string target,
                         std::chrono::milliseconds timeout, uint32_t retries)
    : handler_(std::move(handler)),
      address_(std::move(address)),
      port_(port),
      host_header_(std::move(host_header)),
      target_(std::move(target)),
      timeout_(timeout),
      retries_(retries),
      base_(threadSafeBase()) {}

WebhookSink::~WebhookSink() {
  connection_.reset();  // before base_
}

bool WebhookSink::connect() {
  connection_.reset(evhttp_connection_base_new(base_.get(), nullptr, address_.c_str(), port_));
  requests_on_connection_ = 0;
  if (!connection_) return false;
  // libevent's own (inactivity) timeout is a backstop a second behind ours, so that ours, which
  // covers the whole exchange, is the one that fires.
  const timeval backstop = toTimeval(timeout_ + std::chrono::seconds(1));
  evhttp_connection_set_timeout_tv(connection_.get(), &backstop);
  evhttp_connection_set_max_body_size(connection_.get(), kMaxResponseBody);
  evhttp_connection_set_max_headers_size(connection_.get(), kMaxResponseHeaders);
  return true;
}

Result<void, WebhookSink::AttemptError> WebhookSink::post(const std::string& body) {
  if (!connection_ && !connect()) return fail(AttemptError{"cannot create connection"});
  // Let libevent see a close of the kept-alive connection that came while we were idle.
  (void)event_base_loop(base_.get(), EVLOOP_NONBLOCK);
  const bool reused = requests_on_connection_ > 0;

  AttemptState state;
  evhttp_request* request = evhttp_request_new(&onResponse, &state);
  if (request == nullptr) return fail(AttemptError{"cannot create request"});
  evhttp_request_set_error_cb(request, &onError);
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Host", host_header_.c_str());
  evhttp_add_header(headers, "Content-Type", "application/json");
  evhttp_add_header(headers, "Content-Length", std::to_string(body.size()).c_str());
  evbuffer_add(evhttp_request_get_output_buffer(request), body.data(), body.size());

  std::unique_ptr<event, EventDeleter> timer(evtimer_new(base_.get(), &onTimeout, &state));
  if (!timer) {
    evhttp_request_free(request);
    return fail(AttemptError{"cannot create timer"});
  }
  // From here on the connection owns the request.
  if (evhttp_make_request(connection_.get(), request, EVHTTP_REQ_POST, target_.c_str()) != 0) {
    connection_.reset();
    return fail(AttemptError{"cannot send request"});
  }
  const timeval limit = toTimeval(timeout_);
  evtimer_add(timer.get(), &limit);
  while (!state.done && !cancelled_.load()) {
    // Returns once callbacks ran (the timer guarantees one will) or cancel() broke the loop.
    if (event_base_loop(base_.get(), EVLOOP_ONCE) < 0) break;
  }
  timer.reset();
  if (!state.done) {
    connection_.reset();  // frees the pending request without calling back
    return fail(AttemptError{cancelled_.load() ? "cancelled (handler stopping)" : "event loop failed"});
  }

  if (state.timed_out || !state.done) {
    connection_.reset();  // frees the pending request without calling back
    return fail(AttemptError{"timeout after " + durationText(timeout_)});
  }
  if (state.answered && state.status >= 200 && state.status < 300) {
    ++requests_on_connection_;
    return {};
  }
  connection_.reset();
  if (state.answered && state.status > 0)
    return fail(AttemptError{"HTTP " + std::to_string(state.status)});
  if (!state.error) {
    // Completed with neither an answer nor an error: libevent's connect failure path, taken
    // for ECONNREFUSED (and for its connect timeout, which ours precedes).
    return fail(AttemptError{"connection refused", reused});
  }
  switch (*state.error) {
    case EVREQ_HTTP_TIMEOUT: return fail(AttemptError{"timeout after " + durationText(timeout_)});
    case EVREQ_HTTP_EOF:
      return fail(AttemptError{reused ? "connection closed before the answer"
                                      : "connection failed or closed before the answer",
                               reused});
    case EVREQ_HTTP_INVALID_HEADER: return fail(AttemptError{"invalid HTTP answer"});
    case EVREQ_HTTP_BUFFER_ERROR: return fail(AttemptError{"connection error", reused});
    case EVREQ_HTTP_REQUEST_CANCEL: return fail(AttemptError{"request cancelled"});
    case EVREQ_HTTP_DATA_TOO_LONG: return fail(AttemptError{"answer too long"});
  }
  return fail(AttemptError{"request failed"});
}

Result<void, std::string> WebhookSink::deliver(const Message& message) {
  const std::string body = messageToJson(message);
  auto backoff = kFirstBackoff;
  bool fresh_retry_used = false;  // the one immediate retry after a stale kept-alive connection
  std::string last;
  uint32_t attempts = 0;
  while (attempts <= retries_) {
    if (cancelled_.load()) return fail(std::string("cancelled (handler stopping)"));
    auto result = post(body);
    if (result) return {};
    if (result.error().stale_connection && !fresh_retry_used) {
      fresh_retry_used = true;
      continue;
    }
    last = result.error().text;
    ++attempts;
    if (attempts > retries_) break;
    // The backoff in slices, so that cancel() is noticed within one.
    for (auto slept = std::chrono::milliseconds(0); slept < backoff && !cancelled_.load();
         slept += kCancelSlice)
      std::this_thread::sleep_for(std::min(kCancelSlice, backoff - slept));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  return fail(last + " (" + std::to_string(attempts) +
              (attempts == 1 ? " attempt)" : " attempts)"));
}

void WebhookSink::cancel() {
  cancelled_.store(true);
  (void)event_base_loopbreak(base_.get());
}

}  // namespace mqttd
