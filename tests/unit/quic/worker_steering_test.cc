#include "quic/worker_steering.h"

#include <gtest/gtest.h>

#include <vector>

#include "quic/connection_id.h"

namespace mqttd {
namespace {

constexpr uint32_t kV1 = 0x00000001;

// A 16-byte server CID of worker `worker`.
std::vector<uint8_t> cidOf(uint8_t worker) {
  std::vector<uint8_t> cid(ConnectionIdGenerator::kLength, 0x5a);
  cid[0] = 0;  // server id
  cid[1] = worker;
  return cid;
}

// Only the first byte matters to the steering: header form and long packet type.
std::vector<uint8_t> shortHeader() {
  return {0x40, 1, 2, 3};
}
std::vector<uint8_t> longHeader(uint8_t type) {
  return {static_cast<uint8_t>(0xc0 | (type << 4)), 0, 0, 0, 1};
}

TEST(WorkerSteering, ShortHeaderOfAnotherWorkerGoesToIt) {
  const WorkerSteering steering(0, 2);
  const auto cid = cidOf(1);
  EXPECT_EQ(steering.ownerOf(shortHeader(), 0, cid.data(), cid.size()), 1);
}

TEST(WorkerSteering, SimpleFramerHelloStaysAndItsShortHeadersAreSteered) {
  // docs/simple-framing.md §9: HELLOs carry the client's own DCID (like Initials); after
  // ACCEPT the client's short headers carry the server CID with its worker byte.
  const WorkerSteering steering(0, 2);
  const auto cid = cidOf(1);
  const std::vector<uint8_t> hello = {0xc0, 0x6d, 0x71, 0x66, 0x31};
  EXPECT_EQ(steering.ownerOf(hello, 0x6d716631, cid.data(), cid.size()), std::nullopt);
  EXPECT_EQ(steering.ownerOf(shortHeader(), 0, cid.data(), cid.size()), 1);
}

TEST(WorkerSteering, OwnCidStaysHere) {
  const WorkerSteering steering(1, 4);
  const auto cid = cidOf(1);
  EXPECT_EQ(steering.ownerOf(shortHeader(), 0, cid.data(), cid.size()), std::nullopt);
}

TEST(WorkerSteering, OneWorkerNeverHandsOver) {
  const WorkerSteering steering(0, 1);
  const auto cid = cidOf(1);
  EXPECT_EQ(steering.ownerOf(shortHeader(), 0, cid.data(), cid.size()), std::nullopt);
}

TEST(WorkerSteering, WorkerThatDoesNotExistStaysHere) {
  const WorkerSteering steering(0, 2);
  const auto cid = cidOf(7);
  EXPECT_EQ(steering.ownerOf(shortHeader(), 0, cid.data(), cid.size()), std::nullopt);
}

TEST(WorkerSteering, ForeignLengthCidStaysHere) {
  const WorkerSteering steering(0, 2);
  const std::vector<uint8_t> cid{0, 1, 2, 3, 4, 5, 6, 7};  // not one of ours (8 bytes)
  EXPECT_EQ(steering.ownerOf(shortHeader(), 0, cid.data(), cid.size()), std::nullopt);
}

TEST(WorkerSteering, HandshakePacketsFollowTheCidButInitialAndZeroRttStay) {
  const WorkerSteering steering(0, 2);
  const auto cid = cidOf(1);
  // RFC 9000 §17.2: long packet types 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry.
  EXPECT_EQ(steering.ownerOf(longHeader(2), kV1, cid.data(), cid.size()), 1);
  EXPECT_EQ(steering.ownerOf(longHeader(0), kV1, cid.data(), cid.size()), std::nullopt);
  EXPECT_EQ(steering.ownerOf(longHeader(1), kV1, cid.data(), cid.size()), std::nullopt);
  EXPECT_EQ(steering.ownerOf(longHeader(3), kV1, cid.data(), cid.size()), std::nullopt);
  // Another version's long header: its type bits mean something else; stays.
  EXPECT_EQ(steering.ownerOf(longHeader(2), 0xff00001d, cid.data(), cid.size()), std::nullopt);
}

TEST(WorkerSteering, EmptyDatagramStaysHere) {
  const WorkerSteering steering(0, 2);
  const auto cid = cidOf(1);
  EXPECT_EQ(steering.ownerOf({}, 0, cid.data(), cid.size()), std::nullopt);
}

TEST(WorkerSteering, GeneratedCidsNameTheirWorker) {
  const ConnectionIdGenerator generator(0, 3);
  const ngtcp2_cid cid = generator.generate();
  EXPECT_EQ(WorkerSteering(0, 4).ownerOf(shortHeader(), 0, cid.data, cid.datalen), 3);
  EXPECT_EQ(WorkerSteering(3, 4).ownerOf(shortHeader(), 0, cid.data, cid.datalen), std::nullopt);
}

}  // namespace
}  // namespace mqttd
