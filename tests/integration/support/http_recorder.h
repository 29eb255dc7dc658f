// HttpRecorder: a tiny HTTP/1.x server on a free loopback port, for webhook tests. It records
// every request (method, path, headers, body; Content-Length and chunked bodies, keep-alive
// connections) and answers 200, or 500, or (stalled) reads requests but never answers them.
// One thread polls the listening socket and every connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mqttd::test {

class HttpRecorder {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // names lower-cased, values trimmed
    std::string body;
  };

  enum class Mode {
    kOk,     // answer every request 200 OK
    kError,  // answer every request 500 Internal Server Error
    kStall,  // never answer (connections stay open until destruction)
  };
  explicit HttpRecorder(Mode mode = Mode::kOk);
  ~HttpRecorder();
  HttpRecorder(const HttpRecorder&) = delete;
  HttpRecorder& operator=(const HttpRecorder&) = delete;

  bool started() const { return listen_fd_ >= 0; }
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  // Every complete request received so far, in arrival order.
  std::vector<Request> requests() const;
  size_t requestCount() const;
  // TCP connections accepted so far.
  size_t connections() const { return accepted_.load(); }

 private:
  struct Connection {
    int fd = -1;
    std::string in;  // bytes received, not yet parsed into a request
  };
  void run();
  // Parses whole requests off the front of `c.in`; answers them unless stalled. false: close.
  bool parse(Connection& c);

  const Mode mode_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // self-pipe: the destructor wakes the thread
  uint16_t port_ = 0;
  std::atomic<size_t> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;  // guarded by mutex_
  std::thread thread_;             // last: started once everything above exists
};

}  // namespace mqttd::test
