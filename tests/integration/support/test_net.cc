#include "test_net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace mqttd::test {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sin;
}

int connectTo(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool waitReadable(int fd, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd pfd{fd, POLLIN, 0};
  return poll(&pfd, 1, static_cast<int>(std::max<int64_t>(0, left.count()))) > 0;
}

// Binds a socket of `type` to 127.0.0.1:0 and returns the port the kernel chose.
uint16_t freePort(int type) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in sin = loopback(0);
  (void)bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  socklen_t len = sizeof sin;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

}  // namespace

uint16_t freeTcpPort() { return freePort(SOCK_STREAM); }
uint16_t freeUdpPort() { return freePort(SOCK_DGRAM); }



UdpProbe::UdpProbe() {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin = loopback(0);
  (void)bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
}

UdpProbe::~UdpProbe() { close(fd_); }

bool UdpProbe::sendTo(uint16_t port, const std::vector<uint8_t>& datagram) {
  sockaddr_in sin = loopback(port);
  return sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&sin),
                sizeof sin) == static_cast<ssize_t>(datagram.size());
}

std::optional<std::vector<uint8_t>> UdpProbe::receive(std::chrono::milliseconds timeout) {
  if (!waitReadable(fd_, std::chrono::steady_clock::now() + timeout)) return std::nullopt;
  std::vector<uint8_t> buf(65536);
  const ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

bool waitForTcp(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = connectTo(port);
    if (fd >= 0) {
      close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

HttpReply httpGet(uint16_t port, const std::string& path) {
  HttpReply reply;
  int fd = connectTo(port);
  if (fd < 0) return reply;
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return reply;
  }
  std::string all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  char buf[4096];
  while (waitReadable(fd, deadline)) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (all.rfind("HTTP/1.", 0) != 0 || all.size() < 12) return reply;
  reply.status = std::stoi(all.substr(9, 3));
  const auto body = all.find("\r\n\r\n");
  if (body != std::string::npos) reply.body = all.substr(body + 4);
  return reply;
}

std::optional<TcpClient> TcpClient::connect(uint16_t port) {
  int fd = connectTo(port);
  if (fd < 0) return std::nullopt;
  return TcpClient(fd);
}

TcpClient::TcpClient(TcpClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

TcpClient::~TcpClient() {
  if (fd_ >= 0) close(fd_);
}

bool TcpClient::send(const std::vector<uint8_t>& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::vector<uint8_t>> TcpClient::readExactly(size_t n,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<uint8_t> out(n);
  size_t got = 0;
  while (got < n) {
    if (!waitReadable(fd_, deadline)) return std::nullopt;
    const ssize_t r = read(fd_, out.data() + got, n - got);
    if (r <= 0) return std::nullopt;
    got += static_cast<size_t>(r);
  }
  return out;
}

std::optional<std::vector<uint8_t>> TcpClient::readPacket(std::chrono::milliseconds timeout) {
  auto first = readExactly(1, timeout);
  if (!first) return std::nullopt;
  std::vector<uint8_t> packet = *first;
  uint32_t length = 0;
  for (int shift = 0; shift < 28; shift += 7) {
    auto b = readExactly(1, timeout);
    if (!b) return std::nullopt;
    packet.push_back((*b)[0]);
    length |= static_cast<uint32_t>((*b)[0] & 0x7f) << shift;
    if (((*b)[0] & 0x80) == 0) break;
  }
  auto body = readExactly(length, timeout);
  if (!body) return std::nullopt;
  packet.insert(packet.end(), body->begin(), body->end());
  return packet;
}

bool TcpClient::waitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (waitReadable(fd_, deadline)) {
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) return true;
  }
  return false;
}

}  // namespace mqttd::test
