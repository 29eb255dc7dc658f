// WebhookSink: the `webhook` handler; POSTs each message's JSON (messageToJson, Content-Type
// application/json) to `url` with libevent's HTTP client on the sink's own event_base, run on
// the handler thread until the answer comes (blocking that thread is the point of the queue).
//
// 2xx: delivered. Anything else (refused, timeout, non-2xx) is tried again up to `retries` more
// times, kFirstBackoff apart, doubling to at most kMaxBackoff; the error then describes the last
// failure ("HTTP 503", "connection refused", "timeout after 2s"). The connection is kept alive
// across messages and made anew after any failure. Each attempt is bounded by `timeout` (one
// timer from the request to the whole answer), so one message costs at most
// timeout * (retries + 1) plus the backoffs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "mqttd/config.h"
#include "route/handler_sink.h"

struct event;
struct event_base;
struct evhttp_connection;

namespace mqttd {

class WebhookSink : public HandlerSink {
 public:
  // Parses config.url ("http://host[:port][/path][?query]") and resolves host once
  // (getaddrinfo, numeric or name; the first address is used from then on).
  static Result<std::unique_ptr<WebhookSink>, std::string> create(const HandlerConfig& config);
  ~WebhookSink() override;
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  Result<void, std::string> deliver(const Message& message) override;
  // Breaks a request or backoff in progress (event_base_loopbreak is thread-safe: the sink
  // enables libevent's pthreads locking); this and later deliveries fail with "cancelled".
  void cancel() override;

  const std::string& address() const { return address_; }  // the resolved IP

  static constexpr std::chrono::milliseconds kFirstBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};
  static constexpr std::chrono::milliseconds kCancelSlice{50};  // backoff sleeps check cancel()
  static constexpr size_t kMaxResponseBody = 1024 * 1024;   // bytes; more is a failure
  static constexpr size_t kMaxResponseHeaders = 64 * 1024;  // bytes

 private:
  struct BaseDeleter {
    void operator()(event_base* base) const;
  };
  struct ConnectionDeleter {
    void operator()(evhttp_connection* connection) const;
  };
  struct AttemptError {
    std::string text;  // "HTTP 503", "connection refused", ...
    // The request failed on a kept-alive connection before any answer (the server may have
    // closed it while idle): worth one immediate try on a new connection.
    bool stale_connection = false;
  };

  WebhookSink(std::string handler, std::string address, uint16_t port, std::string host_header,
              std::string target, std::chrono::milliseconds timeout, uint32_t retries);
  // One POST, waited for; the connection is dropped after any failure.
  Result<void, AttemptError> post(const std::string& body);
  bool connect();

  const std::string handler_;                // the handler's name
  const std::string address_;                // numeric IP the URL's host resolved to
  const uint16_t port_;                      // TCP port (80 when the URL has none)
  const std::string host_header_;            // "host[:port]" as in the URL
  const std::string target_;                 // request target: path ("/" when none) and "?query"
  const std::chrono::milliseconds timeout_;  // per attempt, request to whole answer
  const uint32_t retries_;                   // further attempts after a failed one
  std::unique_ptr<event_base, BaseDeleter> base_;
  std::unique_ptr<evhttp_connection, ConnectionDeleter> connection_;  // null: none yet / failed
  uint64_t requests_on_connection_ = 0;  // answered requests on connection_ (keep-alive reuse)
  std::atomic<bool> cancelled_{false};   // cancel() was called
};

}  // namespace mqttd
