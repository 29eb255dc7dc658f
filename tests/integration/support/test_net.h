// Small blocking socket helpers for integration tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mqttd::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it, close).
uint16_t freeTcpPort();
// The same for UDP.
uint16_t freeUdpPort();

// A UDP socket on 127.0.0.1 for byte-exact QUIC probes.
class UdpProbe {
 public:
  UdpProbe();
  ~UdpProbe();
  UdpProbe(const UdpProbe&) = delete;
  UdpProbe& operator=(const UdpProbe&) = delete;
  bool sendTo(uint16_t port, const std::vector<uint8_t>& datagram);
  // One datagram, or nullopt after `timeout`.
  std::optional<std::vector<uint8_t>> receive(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};
// True once 127.0.0.1:port accepts a TCP connection (polls until `timeout`).
bool waitForTcp(uint16_t port, std::chrono::milliseconds timeout);
// A blocking HTTP/1.0 GET on 127.0.0.1:port; returns {status, body}, status 0 on failure.
struct HttpReply {
  int status = 0;
  std::string body;
};
HttpReply httpGet(uint16_t port, const std::string& path);

// A blocking TCP client socket with per-call timeouts.
class TcpClient {
 public:
  static std::optional<TcpClient> connect(uint16_t port);
  TcpClient(TcpClient&& other) noexcept;
  ~TcpClient();

  bool send(const std::vector<uint8_t>& bytes);
  // Reads exactly n bytes or fails (timeout, EOF).
  std::optional<std::vector<uint8_t>> readExactly(size_t n, std::chrono::milliseconds timeout);
  // Reads one MQTT packet (fixed header + body).
  std::optional<std::vector<uint8_t>> readPacket(std::chrono::milliseconds timeout);
  // True when the peer closed (EOF or reset) within `timeout`, discarding what it still sent.
  bool waitClosed(std::chrono::milliseconds timeout);

 private:
  explicit TcpClient(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace mqttd::test
