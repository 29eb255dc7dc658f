// PacketWriter: byte-exact output for the spec's examples, limits, and round trips through
// PacketReader (docs/simple-framing.md).
#include "quic/simple/packet_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "quic/simple/packet_reader.h"

#include "../../hex_bytes.h"

namespace mqttd::simple {
namespace {

using mqttd::testing::hex;

std::vector<uint8_t> bytes(std::span<const uint8_t> in) {
  return {in.begin(), in.end()};
}
std::vector<uint8_t> bytes(std::string_view in) {
  return {in.begin(), in.end()};
}

iovec iov(const std::string& s) {
  return {const_cast<char*>(s.data()), s.size()};
}

const std::vector<uint8_t> kDcid = hex("0102030405060708");
const std::vector<uint8_t> kCid16 = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
const std::array<uint8_t, kResetTokenLength> kToken = {0, 1, 2,  3,  4,  5,  6,  7,
                                                       8, 9, 10, 11, 12, 13, 14, 15};

// Decodes every frame of a short-header packet; the test fails on a decode error.
std::vector<Frame> framesOf(std::span<const uint8_t> datagram, size_t dcid_length) {
  std::vector<Frame> out;
  auto reader = PacketReader::decodeShort(datagram, dcid_length);
  EXPECT_TRUE(reader.ok()) << toString(reader.error());
  if (!reader) return out;
  for (;;) {
    auto frame = reader->nextFrame();
    EXPECT_TRUE(frame.ok()) << toString(frame.error());
    if (!frame || !frame->has_value()) return out;
    out.push_back(**frame);
  }
}

std::vector<AckRange> ackRanges(const Frame& frame) {
  const auto& ack = std::get<AckFrame>(frame);
  return {ack.ranges.begin(), ack.ranges.begin() + ack.range_count};
}

// §10, first example: byte-exact.
TEST(PacketWriterTest, WritesSpecHelloExample) {
  auto expected =
      hex("c0 6d716631 08 0102030405060708 00"
          "00"
          "44b0"
          "80010000"
          "80007530");
  expected.resize(kMinHelloSize, 0);
  std::array<uint8_t, 1500> out{};
  out.fill(0xee);
  const size_t n = PacketWriter::writeHello(out, kDcid, {}, {}, Parameters{1200, 65536, 30000});
  ASSERT_EQ(n, kMinHelloSize);
  EXPECT_EQ(bytes(std::span(out).first(n)), expected);
}

// §10, second example: byte-exact.
TEST(PacketWriterTest, WritesSpecShortExample) {
  std::array<uint8_t, 1200> out{};
  PacketWriter w(out, {}, 0);
  ASSERT_TRUE(w.ok());
  const AckRange ranges[] = {{0, 4}};
  ASSERT_TRUE(w.ack(ranges, 0));
  EXPECT_FALSE(w.ackEliciting());
  const std::string connack("\x20\x02\x00\x00", 4);
  const iovec data[] = {iov(connack)};
  bool fin = true;
  EXPECT_EQ(w.stream(0, data, 4, false, &fin), 4u);
  EXPECT_FALSE(fin);
  EXPECT_TRUE(w.ackEliciting());
  EXPECT_EQ(bytes(std::span(out).first(w.size())),
            hex("40 00 02 04 00 00 04 08 00 04 20 02 00 00"));
}

TEST(PacketWriterTest, VarintSizesAndBytes) {
  // RFC 9000 §16 boundaries of the 1-, 2-, 4- and 8-byte forms.
  const struct {
    uint64_t value;
    std::string_view hex_text;
  } cases[] = {
      {0, "00"},
      {63, "3f"},
      {64, "4040"},
      {16383, "7fff"},
      {16384, "80004000"},
      {(uint64_t{1} << 30) - 1, "bfffffff"},
      {uint64_t{1} << 30, "c000000040000000"},
      {151288809941952652, "c2197c5eff14e88c"},
      {kMaxVarint, "ffffffffffffffff"},
  };
  for (const auto& c : cases) {
    const auto expected = hex(c.hex_text);
    EXPECT_EQ(PacketWriter::varintSize(c.value), expected.size()) << c.value;
    std::array<uint8_t, 9> out{};
    size_t pos = 1;
    ASSERT_TRUE(PacketWriter::writeVarint(out, pos, c.value)) << c.value;
    EXPECT_EQ(pos, 1 + expected.size());
    EXPECT_EQ(bytes(std::span(out).subspan(1, expected.size())), expected);
    size_t read_pos = 1;
    EXPECT_EQ(PacketReader::readVarint(out, read_pos), std::optional<uint64_t>(c.value));
  }
}

TEST(PacketWriterTest, WriteVarintRefusesTooLargeOrNoRoom) {
  std::array<uint8_t, 16> out{};
  size_t pos = 0;
  EXPECT_FALSE(PacketWriter::writeVarint(out, pos, kMaxVarint + 1));
  EXPECT_FALSE(PacketWriter::writeVarint(out, pos, UINT64_MAX));
  EXPECT_EQ(pos, 0u);
  pos = 13;  // 3 bytes left
  EXPECT_FALSE(PacketWriter::writeVarint(out, pos, 16384));
  EXPECT_EQ(pos, 13u);
  EXPECT_TRUE(PacketWriter::writeVarint(out, pos, 16383));
  EXPECT_EQ(pos, 15u);
  pos = 17;  // past the end
  EXPECT_FALSE(PacketWriter::writeVarint(out, pos, 0));
  EXPECT_EQ(pos, 17u);
}

TEST(PacketWriterTest, HelloRoundTripAndPadding) {
  const auto cookie = hex("00112233445566778899aabbccddeeff0011223344556677");
  const Parameters params{kMaxMaxDatagram, kMaxStreamWindow, 0};
  std::array<uint8_t, 1500> out{};
  out.fill(0xee);
  const size_t n = PacketWriter::writeHello(out, kDcid, hex("c1c2"), cookie, params, 1200);
  ASSERT_EQ(n, 1200u);
  auto packet = PacketReader::decodeLong(std::span(out).first(n));
  ASSERT_TRUE(packet.ok()) << toString(packet.error());
  EXPECT_EQ(packet->type, LongType::kHello);
  EXPECT_EQ(bytes(packet->dcid), kDcid);
  EXPECT_EQ(bytes(packet->scid), hex("c1c2"));
  EXPECT_EQ(bytes(packet->cookie), cookie);
  EXPECT_EQ(packet->params, params);
  // pad_to below the minimum still pads to kMinHelloSize.
  EXPECT_EQ(PacketWriter::writeHello(out, kDcid, {}, {}, params, 10), kMinHelloSize);
  // The largest HELLO (minimal varints) is exactly kMinHelloSize: no padding left.
  const std::vector<uint8_t> cid20(20, 0xaa);
  const std::vector<uint8_t> cookie64(64, 0xcc);
  const Parameters largest{kMaxMaxDatagram, kMaxStreamWindow, kMaxIdleTimeoutMs};
  const size_t big = PacketWriter::writeHello(out, cid20, cid20, cookie64, largest);
  EXPECT_EQ(big, 1 + 4 + 21 + 21 + 65 + 4 + 8 + 4);
  EXPECT_EQ(big, kMinHelloSize);
  EXPECT_EQ(out[big - 4], 0x85);  // Idle Timeout 86400000 (0x05265c00) ends the HELLO
  EXPECT_TRUE(PacketReader::decodeLong(std::span(out).first(big)).ok());
}

TEST(PacketWriterTest, HelloLimits) {
  std::array<uint8_t, 1500> out{};
  const Parameters ok;
  const std::vector<uint8_t> cid21(21, 1);
  const std::vector<uint8_t> cookie65(65, 1);
  EXPECT_EQ(PacketWriter::writeHello(out, cid21, {}, {}, ok), 0u);
  EXPECT_EQ(PacketWriter::writeHello(out, {}, cid21, {}, ok), 0u);
  EXPECT_EQ(PacketWriter::writeHello(out, kDcid, {}, cookie65, ok), 0u);
  const Parameters bad[] = {
      {kMinMaxDatagram - 1, 65536, 0},      {kMaxMaxDatagram + 1, 65536, 0},
      {1200, kMinStreamWindow - 1, 0},      {1200, kMaxStreamWindow + 1, 0},
      {1200, 65536, kMaxIdleTimeoutMs + 1},
  };
  for (const auto& p : bad) EXPECT_EQ(PacketWriter::writeHello(out, kDcid, {}, {}, p), 0u);
  // Too small a buffer, and padding beyond the buffer.
  EXPECT_EQ(PacketWriter::writeHello(std::span(out).first(kMinHelloSize - 1), kDcid, {}, {}, ok),
            0u);
  EXPECT_EQ(PacketWriter::writeHello(out, kDcid, {}, {}, ok, out.size() + 1), 0u);
  EXPECT_EQ(PacketWriter::writeHello(out, kDcid, {}, {}, ok, out.size()), out.size());
  EXPECT_EQ(PacketWriter::writeHello(std::span(out).first(20), kDcid, {}, {}, ok), 0u);
}

TEST(PacketWriterTest, CookieRoundTripAndLimits) {
  std::array<uint8_t, 200> out{};
  const auto cookie = hex("0102030405060708090a0b0c0d0e0f101112131415161718");
  const size_t n = PacketWriter::writeCookie(out, hex("c1c2"), kDcid, cookie);
  ASSERT_EQ(n, 1 + 4 + 3 + 9 + 1 + cookie.size());
  auto packet = PacketReader::decodeLong(std::span(out).first(n));
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->type, LongType::kCookie);
  EXPECT_EQ(bytes(packet->dcid), hex("c1c2"));
  EXPECT_EQ(bytes(packet->scid), kDcid);
  EXPECT_EQ(bytes(packet->cookie), cookie);

  EXPECT_EQ(PacketWriter::writeCookie(out, {}, kDcid, {}), 0u);  // §3.1: 1..64
  EXPECT_EQ(PacketWriter::writeCookie(out, {}, kDcid, std::vector<uint8_t>(65, 1)), 0u);
  EXPECT_EQ(PacketWriter::writeCookie(out, {}, kDcid, std::vector<uint8_t>(64, 1)), 80u);
  EXPECT_EQ(PacketWriter::writeCookie(std::span(out).first(n - 1), hex("c1c2"), kDcid, cookie), 0u);
}

TEST(PacketWriterTest, AcceptRoundTripAndLimits) {
  std::array<uint8_t, 200> out{};
  const Parameters params{1452, 1 << 20, kMaxIdleTimeoutMs};
  const size_t n = PacketWriter::writeAccept(out, hex("c1c2"), kCid16, params, kToken);
  ASSERT_GT(n, 0u);
  auto packet = PacketReader::decodeLong(std::span(out).first(n));
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->type, LongType::kAccept);
  EXPECT_EQ(bytes(packet->dcid), hex("c1c2"));
  EXPECT_EQ(bytes(packet->scid), kCid16);
  EXPECT_EQ(packet->params, params);
  EXPECT_EQ(packet->reset_token, kToken);
  EXPECT_EQ(PacketWriter::writeAccept(out, {}, kCid16, Parameters{100, 65536, 0}, kToken), 0u);
  EXPECT_EQ(
      PacketWriter::writeAccept(std::span(out).first(n - 1), hex("c1c2"), kCid16, params, kToken),
      0u);
}

TEST(PacketWriterTest, RefuseRoundTripAndLimits) {
  std::array<uint8_t, 200> out{};
  const size_t n = PacketWriter::writeRefuse(out, hex("c1c2"), kDcid, ErrorCode::kConnectionRefused,
                                             "server full");
  ASSERT_GT(n, 0u);
  auto packet = PacketReader::decodeLong(std::span(out).first(n));
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->type, LongType::kRefuse);
  EXPECT_EQ(packet->error_code, uint64_t(ErrorCode::kConnectionRefused));
  EXPECT_EQ(packet->reason, "server full");
  const size_t m = PacketWriter::writeRefuse(out, {}, {}, ErrorCode::kUpstreamLost, "");
  EXPECT_EQ(bytes(std::span(out).first(m)), hex("f0 6d716631 00 00 4100 00"));
  EXPECT_EQ(PacketWriter::writeRefuse(out, {}, {}, static_cast<ErrorCode>(kMaxVarint + 1), ""), 0u);
  EXPECT_EQ(PacketWriter::writeRefuse(std::span(out).first(n - 1), hex("c1c2"), kDcid,
                                      ErrorCode::kConnectionRefused, "server full"),
            0u);
}

TEST(PacketWriterTest, ShortHeaderFitsOrNot) {
  std::array<uint8_t, 64> out{};
  PacketWriter w(out, kCid16, 16384);  // 1 + 16 + 4
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 21u);
  EXPECT_EQ(w.remaining(), 43u);
  EXPECT_FALSE(w.hasFrames());
  EXPECT_FALSE(w.ackEliciting());

  PacketWriter exact{std::span(out).first(21), kCid16, 16384};
  EXPECT_TRUE(exact.ok());
  EXPECT_EQ(exact.remaining(), 0u);
  EXPECT_FALSE(exact.ping());

  PacketWriter small{std::span(out).first(20), kCid16, 16384};
  EXPECT_FALSE(small.ok());
  EXPECT_FALSE(small.ping());
  EXPECT_FALSE(small.maxData(1));
  bool fin = true;
  const std::string s = "x";
  const iovec data[] = {iov(s)};
  EXPECT_EQ(small.stream(0, data, 1, true, &fin), 0u);
  EXPECT_FALSE(fin);

  EXPECT_FALSE(PacketWriter(out, {}, kMaxVarint + 1).ok());
  EXPECT_FALSE(PacketWriter(out, std::vector<uint8_t>(21, 0), 0).ok());
  EXPECT_TRUE(PacketWriter(out, std::vector<uint8_t>(20, 0), kMaxVarint).ok());
}

TEST(PacketWriterTest, EveryFrameRoundTrips) {
  std::array<uint8_t, 1200> out{};
  PacketWriter w(out, kCid16, 77);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w.padding(3));
  EXPECT_FALSE(w.ackEliciting());
  EXPECT_TRUE(w.hasFrames());
  const AckRange ranges[] = {{90, 100}, {50, 60}, {0, 0}};
  EXPECT_TRUE(w.ack(ranges, 12345));
  EXPECT_FALSE(w.ackEliciting());
  EXPECT_TRUE(w.close(ErrorCode::kProtocolViolation, "bad frame"));
  EXPECT_FALSE(w.ackEliciting());
  EXPECT_TRUE(w.ping());
  EXPECT_TRUE(w.ackEliciting());
  EXPECT_TRUE(w.maxData(kMaxVarint));
  EXPECT_FALSE(w.maxData(kMaxVarint + 1));
  const std::string a = "hello ", b = "world";
  const iovec data[] = {iov(a), iov(b)};
  bool fin = false;
  EXPECT_EQ(w.stream(1000, data, 100, true, &fin), 11u);
  EXPECT_TRUE(fin);
  EXPECT_EQ(w.stream(5000, data, 4, false, &fin), 4u);
  EXPECT_FALSE(fin);

  auto reader = PacketReader::decodeShort(std::span(out).first(w.size()), 16);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->packetNumber(), 77u);
  EXPECT_EQ(bytes(reader->dcid()), kCid16);
  const auto frames = framesOf(std::span(out).first(w.size()), 16);
  ASSERT_EQ(frames.size(), 7u);
  EXPECT_TRUE(std::holds_alternative<PaddingFrame>(frames[0]));
  EXPECT_EQ(std::get<AckFrame>(frames[1]).ack_delay_us, 12345u);
  EXPECT_EQ(ackRanges(frames[1]), std::vector<AckRange>(std::begin(ranges), std::end(ranges)));
  EXPECT_EQ(std::get<CloseFrame>(frames[2]).error_code, uint64_t(ErrorCode::kProtocolViolation));
  EXPECT_EQ(std::get<CloseFrame>(frames[2]).reason, "bad frame");
  EXPECT_TRUE(std::holds_alternative<PingFrame>(frames[3]));
  EXPECT_EQ(std::get<MaxDataFrame>(frames[4]).maximum, kMaxVarint);
  const auto& s1 = std::get<StreamFrame>(frames[5]);
  EXPECT_EQ(s1.offset, 1000u);
  EXPECT_TRUE(s1.fin);
  EXPECT_EQ(bytes(s1.data), bytes("hello world"));
  const auto& s2 = std::get<StreamFrame>(frames[6]);
  EXPECT_EQ(s2.offset, 5000u);
  EXPECT_FALSE(s2.fin);
  EXPECT_EQ(bytes(s2.data), bytes("hell"));
}

TEST(PacketWriterTest, FramesThatDoNotFitWriteNothing) {
  std::array<uint8_t, 8> out{};
  PacketWriter w(out, {}, 0);  // 2 bytes of header, 6 left
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w.padding(7));
  EXPECT_FALSE(w.maxData(kMaxVarint));  // needs 9
  EXPECT_FALSE(w.close(ErrorCode::kNoError, "reason"));
  const AckRange big[] = {{0, kMaxVarint}};
  EXPECT_FALSE(w.ack(big, 0));  // 1 + 8 + 1 + 1 + 8
  EXPECT_EQ(w.size(), 2u);
  EXPECT_FALSE(w.hasFrames());
  EXPECT_TRUE(w.padding(0));
  EXPECT_FALSE(w.hasFrames());
  EXPECT_TRUE(w.close(ErrorCode::kNoError, "ab"));  // exactly 5
  EXPECT_TRUE(w.ping());
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_FALSE(w.ping());
  EXPECT_FALSE(w.padding(1));
}

TEST(PacketWriterTest, CloseWithUnknownCodeAndTooLargeCode) {
  std::array<uint8_t, 64> out{};
  PacketWriter w(out, {}, 0);
  EXPECT_TRUE(w.close(static_cast<ErrorCode>(0x42), ""));
  EXPECT_FALSE(w.close(static_cast<ErrorCode>(kMaxVarint + 1), ""));
  const auto frames = framesOf(std::span(out).first(w.size()), 0);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(std::get<CloseFrame>(frames[0]).error_code, 0x42u);
}

// Descending single-packet ranges: 10000, 9998, 9996, ...
std::vector<AckRange> everyOther(size_t count, uint64_t top = 10000, uint64_t step = 2) {
  std::vector<AckRange> ranges;
  for (size_t i = 0; i < count; ++i) ranges.push_back({top - step * i, top - step * i});
  return ranges;
}

TEST(PacketWriterTest, AckWithMostRanges) {
  std::array<uint8_t, 1200> out{};
  for (const size_t count : {size_t{2}, size_t{64}, kMaxAckRanges + 1, size_t{100}}) {
    PacketWriter w(out, {}, 0);
    const auto ranges = everyOther(count);
    ASSERT_TRUE(w.ack(ranges, 0));
    const auto frames = framesOf(std::span(out).first(w.size()), 0);
    ASSERT_EQ(frames.size(), 1u);
    const size_t written = std::min(count, kMaxAckRanges + 1);
    EXPECT_EQ(ackRanges(frames[0]),
              std::vector<AckRange>(ranges.begin(), ranges.begin() + written));
  }
  // 64 pairs need a 2-byte ACK Range Count (RFC 9000 §16: 64 > 63).
  PacketWriter w(out, {}, 0);
  ASSERT_TRUE(w.ack(everyOther(kMaxAckRanges + 1), 0));
  EXPECT_EQ(w.size(), 2 + 1 + 2 + 1 + 2 + 1 + 2 * kMaxAckRanges);
  // One byte less: the 64th pair does not fit, and with 63 the count shrinks to 1 byte.
  std::vector<uint8_t> tight(w.size() - 1);
  PacketWriter t(tight, {}, 0);
  ASSERT_TRUE(t.ack(everyOther(kMaxAckRanges + 1), 0));
  EXPECT_EQ(t.size(), tight.size() - 2);
  const auto frames = framesOf(std::span(tight).first(t.size()), 0);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(ackRanges(frames[0]), everyOther(kMaxAckRanges));
}

TEST(PacketWriterTest, AckTruncatesToWhatFits) {
  // Wide gaps and lengths so that pairs take several bytes.
  std::vector<AckRange> ranges;
  uint64_t top = uint64_t{1} << 40;
  for (size_t i = 0; i < 40; ++i) {
    ranges.push_back({top - 1000, top});
    top -= 100000;
  }
  for (size_t room = 0; room < 400; ++room) {
    std::vector<uint8_t> out(2 + room);
    PacketWriter w(out, {}, 0);
    ASSERT_TRUE(w.ok());
    const bool written = w.ack(ranges, 5);
    ASSERT_LE(w.size(), out.size());
    if (!written) {
      EXPECT_EQ(w.size(), 2u);
      EXPECT_LT(room, 1 + 8 + 1 + 1 + 2u) << room;  // the first range alone did not fit
      continue;
    }
    const auto frames = framesOf(std::span(out).first(w.size()), 0);
    ASSERT_EQ(frames.size(), 1u);
    const auto got = ackRanges(frames[0]);
    ASSERT_GE(got.size(), 1u);
    EXPECT_EQ(got, std::vector<AckRange>(ranges.begin(), ranges.begin() + got.size()));
    // One more pair would not have fitted: each pair here is 4 + 2 = 6 bytes.
    if (got.size() < ranges.size()) {
      EXPECT_LT(out.size() - w.size(), 6u) << room;
    }
  }
}

TEST(PacketWriterTest, AckRefusesBadRanges) {
  std::array<uint8_t, 200> out{};
  PacketWriter w(out, {}, 0);
  const std::vector<std::vector<AckRange>> bad = {
      {},                     // nothing to acknowledge
      {{5, 4}},               // smallest above largest
      {{10, 12}, {8, 9}},     // adjacent (no gap)
      {{10, 12}, {9, 11}},    // overlapping
      {{10, 12}, {20, 22}},   // ascending
      {{0, kMaxVarint + 1}},  // beyond a varint
  };
  for (const auto& ranges : bad) EXPECT_FALSE(w.ack(ranges, 0));
  const AckRange one[] = {{1, 1}};
  EXPECT_FALSE(w.ack(one, kMaxVarint + 1));
  EXPECT_EQ(w.size(), 2u);
  const AckRange gap_of_one[] = {{10, 12}, {0, 8}};
  EXPECT_TRUE(w.ack(gap_of_one, 0));
}

TEST(PacketWriterTest, StreamTakesPartialDataWhenShort) {
  const std::string payload(300, 'p');
  const iovec data[] = {iov(payload)};
  // Header 2 bytes; a frame is 1 (type) + 1 (offset 0) + Length + data.
  for (size_t room = 0; room < 320; ++room) {
    std::vector<uint8_t> out(2 + room);
    PacketWriter w(out, {}, 0);
    bool fin = true;
    const size_t taken = w.stream(0, data, payload.size(), true, &fin);
    ASSERT_LE(w.size(), out.size());
    // Below 67 a 1-byte Length (data up to 63) gives the most; from 67 a 2-byte one.
    const size_t expected = room < 3              ? 0
                            : room < 2 + 1 + 64   ? room - 3
                            : room <= 2 + 2 + 300 ? room - 4
                                                  : 300;
    EXPECT_EQ(taken, expected) << room;
    EXPECT_EQ(fin, taken == payload.size()) << room;
    if (taken == 0) {
      EXPECT_EQ(w.size(), 2u);
      EXPECT_FALSE(w.hasFrames());
      continue;
    }
    const auto frames = framesOf(std::span(out).first(w.size()), 0);
    ASSERT_EQ(frames.size(), 1u);
    const auto& s = std::get<StreamFrame>(frames[0]);
    EXPECT_EQ(s.data.size(), taken);
    EXPECT_EQ(s.fin, fin);
  }
}

TEST(PacketWriterTest, StreamFinOnlyWhenAllDataFits) {
  const std::string a = "abc", b = "defgh";
  const iovec data[] = {iov(a), iov(b)};
  std::array<uint8_t, 64> out{};
  {
    // Exactly enough room for all 8 bytes: STREAM_FIN.
    PacketWriter w{std::span(out).first(2 + 3 + 8), {}, 0};
    bool fin = false;
    EXPECT_EQ(w.stream(0, data, 8, true, &fin), 8u);
    EXPECT_TRUE(fin);
    EXPECT_EQ(out[2], 0x09);
  }
  {
    // One byte short: 7 bytes, no FIN.
    PacketWriter w{std::span(out).first(2 + 3 + 7), {}, 0};
    bool fin = true;
    EXPECT_EQ(w.stream(0, data, 8, true, &fin), 7u);
    EXPECT_FALSE(fin);
    EXPECT_EQ(out[2], 0x08);
    const auto frames = framesOf(std::span(out).first(w.size()), 0);
    EXPECT_EQ(bytes(std::get<StreamFrame>(frames[0]).data), bytes("abcdefg"));
  }
  {
    // max_len below the data: the data is the first max_len bytes, and FIN ends them.
    PacketWriter w(out, {}, 0);
    bool fin = false;
    EXPECT_EQ(w.stream(10, data, 5, true, &fin), 5u);
    EXPECT_TRUE(fin);
    const auto frames = framesOf(std::span(out).first(w.size()), 0);
    EXPECT_EQ(bytes(std::get<StreamFrame>(frames[0]).data), bytes("abcde"));
    EXPECT_EQ(std::get<StreamFrame>(frames[0]).offset, 10u);
  }
  {
    // Null fin_written is allowed.
    PacketWriter w(out, {}, 0);
    EXPECT_EQ(w.stream(0, data, 8, false, nullptr), 8u);
  }
}

TEST(PacketWriterTest, BareFin) {
  std::array<uint8_t, 64> out{};
  PacketWriter w{std::span(out).first(2 + 1 + 2 + 1), {}, 0};
  bool fin = false;
  EXPECT_EQ(w.stream(16384, {}, 0, true, &fin), 0u);  // offset needs 4 bytes: no room
  EXPECT_FALSE(fin);
  EXPECT_FALSE(w.hasFrames());
  EXPECT_EQ(w.stream(1000, {}, 0, true, &fin), 0u);  // 1 + 2 + 1: fits exactly
  EXPECT_TRUE(fin);
  EXPECT_TRUE(w.ackEliciting());
  const auto frames = framesOf(std::span(out).first(w.size()), 0);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(std::get<StreamFrame>(frames[0]).fin);
  EXPECT_EQ(std::get<StreamFrame>(frames[0]).offset, 1000u);
  EXPECT_TRUE(std::get<StreamFrame>(frames[0]).data.empty());

  // Data present but max_len 0: a bare FIN; without fin, nothing.
  const std::string s = "xyz";
  const iovec data[] = {iov(s)};
  PacketWriter w2(out, {}, 0);
  EXPECT_EQ(w2.stream(3, data, 0, false, &fin), 0u);
  EXPECT_FALSE(fin);
  EXPECT_FALSE(w2.hasFrames());
  EXPECT_EQ(w2.stream(3, data, 0, true, &fin), 0u);
  EXPECT_TRUE(fin);
  EXPECT_TRUE(w2.hasFrames());
  // No data fits but some is wanted: no bare FIN.
  PacketWriter w3{std::span(out).first(2 + 1 + 1 + 1), {}, 0};
  EXPECT_EQ(w3.stream(0, data, 3, true, &fin), 0u);
  EXPECT_FALSE(fin);
  EXPECT_FALSE(w3.hasFrames());
}

TEST(PacketWriterTest, StreamGathersIovecs) {
  const std::string a = "12", b = "", c = "345", d = "6789";
  const iovec data[] = {iov(a), iov(b), {nullptr, 0}, iov(c), iov(d)};
  std::array<uint8_t, 64> out{};
  for (size_t max_len = 0; max_len <= 10; ++max_len) {
    PacketWriter w(out, {}, 0);
    bool fin = false;
    const size_t taken = w.stream(0, data, max_len, false, &fin);
    EXPECT_EQ(taken, std::min<size_t>(max_len, 9));
    if (taken == 0) continue;
    const auto frames = framesOf(std::span(out).first(w.size()), 0);
    EXPECT_EQ(bytes(std::get<StreamFrame>(frames[0]).data),
              bytes(std::string("123456789").substr(0, taken)));
  }
}

TEST(PacketWriterTest, StreamEndStaysAVarint) {
  const std::string s = "abcd";
  const iovec data[] = {iov(s)};
  std::array<uint8_t, 64> out{};
  PacketWriter w(out, {}, 0);
  bool fin = true;
  // §4.2: Offset + Length at most 2^62 - 1: only 2 of 4 bytes, no FIN.
  EXPECT_EQ(w.stream(kMaxVarint - 2, data, 4, true, &fin), 2u);
  EXPECT_FALSE(fin);
  EXPECT_EQ(w.stream(kMaxVarint, data, 4, false, &fin), 0u);
  EXPECT_EQ(w.stream(kMaxVarint, data, 0, true, &fin), 0u);
  EXPECT_TRUE(fin);
  EXPECT_EQ(w.stream(kMaxVarint + 1, data, 0, true, &fin), 0u);
  EXPECT_FALSE(fin);
  const auto frames = framesOf(std::span(out).first(w.size()), 0);
  ASSERT_EQ(frames.size(), 2u);
}

// Every prefix of a writer's short-header packet is decodable up to the frame it cuts.
TEST(PacketWriterTest, TruncatedOutputNeverCrashesTheReader) {
  std::array<uint8_t, 400> out{};
  PacketWriter w(out, kCid16, 1 << 20);
  const AckRange ranges[] = {{1000, 1010}, {20, 900}, {3, 5}};
  ASSERT_TRUE(w.ack(ranges, 300));
  const std::string s(100, 'q');
  const iovec data[] = {iov(s)};
  bool fin = false;
  ASSERT_EQ(w.stream(1 << 30, data, s.size(), true, &fin), s.size());
  ASSERT_TRUE(w.close(ErrorCode::kUpstreamLost, "broker gone"));
  for (size_t n = 0; n <= w.size(); ++n) {
    auto reader = PacketReader::decodeShort(std::span(out).first(n), 16);
    if (!reader) continue;
    for (;;) {
      auto frame = reader->nextFrame();
      if (!frame || !frame->has_value()) break;
    }
  }
}

}  // namespace
}  // namespace mqttd::simple
