#include "http_recorder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <list>

namespace mqttd::test {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

void sendAll(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

HttpRecorder::HttpRecorder(Mode mode) : mode_(mode) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      pipe2(wake_, O_CLOEXEC) != 0) {
    close(fd);
    return;
  }
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  thread_ = std::thread([this] { run(); });
}

HttpRecorder::~HttpRecorder() {
  if (thread_.joinable()) {
    const char byte = 0;
    (void)!write(wake_[1], &byte, 1);
    thread_.join();
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  for (int fd : wake_)
    if (fd >= 0) close(fd);
}

std::string HttpRecorder::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<HttpRecorder::Request> HttpRecorder::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t HttpRecorder::requestCount() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

void HttpRecorder::run() {
  std::list<Connection> conns;
  while (true) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Connection& c : conns) fds.push_back({c.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents != 0) break;
    if (fds[1].revents & POLLIN) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        conns.push_back(Connection{fd, ""});
        ++accepted_;
      }
    }
    size_t i = 2;
    for (auto it = conns.begin(); it != conns.end() && i < fds.size(); ++i) {
      bool keep = true;
      if (fds[i].revents != 0) {
        char buf[65536];
        const ssize_t n = read(it->fd, buf, sizeof buf);
        if (n <= 0) {
          keep = false;
        } else {
          it->in.append(buf, static_cast<size_t>(n));
          keep = parse(*it);
        }
      }
      if (keep) {
        ++it;
      } else {
        close(it->fd);
        it = conns.erase(it);
      }
    }
  }
  for (const Connection& c : conns) close(c.fd);
}

bool HttpRecorder::parse(Connection& c) {
  while (true) {
    const size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return c.in.size() < 65536;
    Request req;
    const std::string head = c.in.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
    req.method = request_line.substr(0, sp1);
    req.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string version = request_line.substr(sp2 + 1);
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      req.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    size_t end = head_end + 4;  // one past the request's last byte
    if (lower(req.headers["transfer-encoding"]).find("chunked") != std::string::npos) {
      size_t pos = end;
      while (true) {
        const size_t size_end = c.in.find("\r\n", pos);
        if (size_end == std::string::npos) return true;  // need more
        const size_t size = std::stoul(c.in.substr(pos, size_end - pos), nullptr, 16);
        pos = size_end + 2;
        if (size == 0) {
          if (c.in.compare(pos, 2, "\r\n") == 0) {
            pos += 2;
          } else {
            const size_t trailer_end = c.in.find("\r\n\r\n", pos);
            if (trailer_end == std::string::npos) return true;
            pos = trailer_end + 4;
          }
          break;
        }
        if (c.in.size() < pos + size + 2) return true;
        req.body.append(c.in, pos, size);
        pos += size + 2;
      }
      end = pos;
    } else {
      const auto cl = req.headers.find("content-length");
      const size_t length = cl == req.headers.end() ? 0 : std::stoul(cl->second);
      if (c.in.size() < end + length) return true;  // need more
      req.body = c.in.substr(end, length);
      end += length;
    }
    c.in.erase(0, end);
    const bool close_after = version == "HTTP/1.0" ||
                             lower(req.headers["connection"]).find("close") != std::string::npos;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(req));
    }
    if (mode_ == Mode::kStall) continue;  // never answer; keep reading (and recording)
    sendAll(c.fd, std::string(mode_ == Mode::kOk ? "HTTP/1.1 200 OK\r\n"
                                                 : "HTTP/1.1 500 Internal Server Error\r\n") +
                      "Content-Length: 0\r\n" + (close_after ? "Connection: close\r\n" : "") +
                      "\r\n");
    if (close_after) return false;
  }
}

}  // namespace mqttd::test
