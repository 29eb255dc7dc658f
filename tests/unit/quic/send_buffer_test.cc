#include "quic/send_buffer.h"

#include <gtest/gtest.h>

#include <array>
#include <numeric>
#include <string>
#include <vector>

namespace mqttd {
namespace {

std::vector<uint8_t> sequence(size_t n, uint8_t start = 0) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

std::vector<uint8_t> gather(const SendBuffer& b) {
  std::array<iovec, 64> iov{};
  const size_t n = b.unsent(iov);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < n; ++i) {
    auto* p = static_cast<const uint8_t*>(iov[i].iov_base);
    out.insert(out.end(), p, p + iov[i].iov_len);
  }
  return out;
}

TEST(SendBuffer, EmptyHasNothingToSend) {
  SendBuffer b(8);
  std::array<iovec, 4> iov{};
  EXPECT_EQ(b.unsent(iov), 0u);
  EXPECT_EQ(b.unsentBytes(), 0u);
  EXPECT_EQ(b.unackedBytes(), 0u);
}

TEST(SendBuffer, AppendSpansBlocksInOrder) {
  SendBuffer b(8);
  const auto data = sequence(20);
  b.append(data);
  EXPECT_EQ(b.blockCount(), 3u);
  EXPECT_EQ(b.endOffset(), 20u);
  EXPECT_EQ(gather(b), data);
}

TEST(SendBuffer, UnsentStartsAtTheSendOffset) {
  SendBuffer b(8);
  b.append(sequence(20));
  b.markSent(11);
  EXPECT_EQ(b.sentOffset(), 11u);
  EXPECT_EQ(gather(b), sequence(9, 11));
  b.markSent(9);
  EXPECT_EQ(b.unsentBytes(), 0u);
  EXPECT_TRUE(gather(b).empty());
}

TEST(SendBuffer, UnsentIsBoundedByTheVectorCount) {
  SendBuffer b(4);
  b.append(sequence(16));
  std::array<iovec, 2> iov{};
  ASSERT_EQ(b.unsent(iov), 2u);
  EXPECT_EQ(iov[0].iov_len + iov[1].iov_len, 8u);
}

// ngtcp2 keeps pointers into sent data until it is acknowledged (RFC 9000 §13.3 resends).
TEST(SendBuffer, SentBytesStayAtTheSameAddressUntilAcked) {
  SendBuffer b(8);
  b.append(sequence(6));
  std::array<iovec, 4> iov{};
  ASSERT_EQ(b.unsent(iov), 1u);
  const void* first = iov[0].iov_base;
  b.markSent(6);
  b.append(sequence(100, 6));  // grows the buffer: must not move the first block
  ASSERT_TRUE(b.ack(0, 2));
  EXPECT_EQ(static_cast<const uint8_t*>(first)[5], 5);
  b.markSent(10);
  EXPECT_EQ(gather(b), sequence(90, 16));
}

TEST(SendBuffer, AckFreesWholeBlocksOnly) {
  SendBuffer b(8);
  b.append(sequence(20));
  b.markSent(20);
  ASSERT_TRUE(b.ack(0, 7));
  EXPECT_EQ(b.blockCount(), 3u);
  ASSERT_TRUE(b.ack(7, 9));
  EXPECT_EQ(b.blockCount(), 1u);
  EXPECT_EQ(b.unackedBytes(), 4u);
  ASSERT_TRUE(b.ack(16, 4));
  EXPECT_EQ(b.blockCount(), 0u);
  // A new append after everything was acked starts a fresh block at the end offset.
  b.append(sequence(3, 20));
  EXPECT_EQ(b.ackedOffset(), 20u);
  EXPECT_EQ(gather(b), sequence(3, 20));
}

TEST(SendBuffer, RejectsAcksOutOfOrderOrBeyondSent) {
  SendBuffer b(8);
  b.append(sequence(10));
  b.markSent(5);
  EXPECT_FALSE(b.ack(1, 2));  // not at the ack offset
  EXPECT_FALSE(b.ack(0, 6));  // more than was sent
  EXPECT_TRUE(b.ack(0, 5));
  EXPECT_EQ(b.ackedOffset(), 5u);
}

TEST(SendBuffer, ZeroLengthAckForAFinIsAccepted) {
  SendBuffer b(8);
  b.append(sequence(4));
  b.markSent(4);
  ASSERT_TRUE(b.ack(0, 4));
  EXPECT_TRUE(b.ack(4, 0));  // ngtcp2 acks a FIN-only STREAM frame with datalen 0
  EXPECT_EQ(b.unackedBytes(), 0u);
}

TEST(SendBuffer, RangeReadsSentBytesAcrossBlocksForRetransmission) {
  SendBuffer buffer(4);
  const std::string text = "abcdefghij";
  buffer.append({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  buffer.markSent(8);
  iovec vecs[4];
  size_t n = buffer.range(2, 5, vecs);
  std::string got;
  for (size_t i = 0; i < n; ++i) got.append(static_cast<const char*>(vecs[i].iov_base), vecs[i].iov_len);
  EXPECT_EQ(got, "cdefg");
  // Clipped to what was sent and not yet acknowledged.
  ASSERT_TRUE(buffer.ack(0, 4));
  n = buffer.range(0, 10, vecs);
  got.clear();
  for (size_t i = 0; i < n; ++i) got.append(static_cast<const char*>(vecs[i].iov_base), vecs[i].iov_len);
  EXPECT_EQ(got, "efgh");
}

}  // namespace
}  // namespace mqttd
