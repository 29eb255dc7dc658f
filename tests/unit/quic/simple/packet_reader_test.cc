// PacketReader against hand-built bytes (docs/simple-framing.md). The bytes are built here,
// independently of PacketWriter, so that a shared mistake cannot hide.
#include "quic/simple/packet_reader.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../../hex_bytes.h"

namespace mqttd::simple {
namespace {

using mqttd::testing::hex;

std::vector<uint8_t> bytes(std::span<const uint8_t> in) {
  return {in.begin(), in.end()};
}

// Builds datagrams field by field, with its own varint encoder.
struct Bytes {
  std::vector<uint8_t> v;

  Bytes& u8(uint8_t b) {
    v.push_back(b);
    return *this;
  }
  Bytes& raw(std::string_view hex_text) {
    const auto b = hex(hex_text);
    v.insert(v.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& text(std::string_view s) {
    v.insert(v.end(), s.begin(), s.end());
    return *this;
  }
  // RFC 9000 §16; `size` 0 picks the minimal form.
  Bytes& var(uint64_t value, size_t size = 0) {
    if (size == 0) size = value < 64 ? 1 : value < 16384 ? 2 : value < (uint64_t{1} << 30) ? 4 : 8;
    const uint8_t bits = size == 1 ? 0x00 : size == 2 ? 0x40 : size == 4 ? 0x80 : 0xc0;
    for (size_t i = 0; i < size; ++i) {
      uint8_t b = uint8_t(value >> (8 * (size - 1 - i)));
      if (i == 0) b |= bits;
      v.push_back(b);
    }
    return *this;
  }
  Bytes& zeros(size_t n) {
    v.insert(v.end(), n, 0);
    return *this;
  }
  Bytes& padTo(size_t n) { return zeros(v.size() < n ? n - v.size() : 0); }
  // Long header (§3.1) with the version and CIDs; `type` is the TT bits.
  static Bytes longHeader(uint8_t type, std::string_view dcid_hex, std::string_view scid_hex) {
    Bytes b;
    const auto dcid = hex(dcid_hex);
    const auto scid = hex(scid_hex);
    b.u8(uint8_t(0xc0 | type << 4)).raw("6d716631").u8(uint8_t(dcid.size())).raw(dcid_hex);
    b.u8(uint8_t(scid.size())).raw(scid_hex);
    return b;
  }
  Bytes& params(uint64_t max_datagram, uint64_t window, uint64_t idle) {
    return var(max_datagram).var(window).var(idle);
  }
};

constexpr std::string_view kDcid8 = "0102030405060708";
constexpr std::string_view kCid16 = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";

Bytes hello(std::string_view cookie_hex, uint64_t max_datagram = 1200, uint64_t window = 65536,
            uint64_t idle = 30000) {
  Bytes b = Bytes::longHeader(0, kDcid8, "c1c2");
  b.u8(uint8_t(hex(cookie_hex).size())).raw(cookie_hex).params(max_datagram, window, idle);
  b.padTo(kMinHelloSize);
  return b;
}

Bytes cookiePacket(std::string_view cookie_hex) {
  Bytes b = Bytes::longHeader(1, "c1c2", kDcid8);
  b.u8(uint8_t(hex(cookie_hex).size())).raw(cookie_hex);
  return b;
}

Bytes accept(uint64_t max_datagram = 1452, uint64_t window = 1 << 20, uint64_t idle = 60000) {
  Bytes b = Bytes::longHeader(2, "c1c2", kCid16);
  b.params(max_datagram, window, idle).raw("000102030405060708090a0b0c0d0e0f");
  return b;
}

Bytes refuse() {
  Bytes b = Bytes::longHeader(3, "c1c2", kDcid8);
  b.var(0x02).var(4).text("full");
  return b;
}

// Short header (§3.2) with a 16-byte DCID and packet number `pn`.
Bytes shortHeader(uint64_t pn, std::string_view dcid_hex = kCid16) {
  Bytes b;
  b.u8(0x40).raw(dcid_hex).var(pn);
  return b;
}

// Every frame of a short-header packet; the test fails on a decode error.
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

// The first error of a short-header packet (header or frames); nullopt if all decode.
std::optional<DecodeError> shortError(std::span<const uint8_t> datagram, size_t dcid_length) {
  auto reader = PacketReader::decodeShort(datagram, dcid_length);
  if (!reader) return reader.error();
  for (;;) {
    auto frame = reader->nextFrame();
    if (!frame) return frame.error();
    if (!frame->has_value()) return std::nullopt;
  }
}

std::optional<DecodeError> longError(std::span<const uint8_t> datagram) {
  auto packet = PacketReader::decodeLong(datagram);
  if (!packet) return packet.error();
  return std::nullopt;
}

// §10, first example.
TEST(PacketReaderTest, DecodesSpecHelloExample) {
  auto datagram =
      hex("c0 6d716631 08 0102030405060708 00"
          "00"
          "44b0"
          "80010000"
          "80007530");
  datagram.resize(kMinHelloSize, 0);
  ASSERT_TRUE(PacketReader::isSimpleLongHeader(datagram));
  auto packet = PacketReader::decodeLong(datagram);
  ASSERT_TRUE(packet.ok()) << toString(packet.error());
  EXPECT_EQ(packet->type, LongType::kHello);
  EXPECT_EQ(bytes(packet->dcid), hex(kDcid8));
  EXPECT_TRUE(packet->scid.empty());
  EXPECT_TRUE(packet->cookie.empty());
  EXPECT_EQ(packet->params, (Parameters{1200, 65536, 30000}));
}

// §10, second example.
TEST(PacketReaderTest, DecodesSpecShortExample) {
  const auto datagram = hex("40 00 02 04 00 00 04 08 00 04 20 02 00 00");
  EXPECT_FALSE(PacketReader::isSimpleLongHeader(datagram));
  auto reader = PacketReader::decodeShort(datagram, 0);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(reader->dcid().empty());
  EXPECT_EQ(reader->packetNumber(), 0u);

  auto ack = reader->nextFrame();
  ASSERT_TRUE(ack.ok() && ack->has_value());
  const auto* a = std::get_if<AckFrame>(&**ack);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->largest(), 4u);
  EXPECT_EQ(a->ack_delay_us, 0u);
  ASSERT_EQ(a->range_count, 1u);
  EXPECT_EQ(a->ranges[0], (AckRange{0, 4}));

  auto stream = reader->nextFrame();
  ASSERT_TRUE(stream.ok() && stream->has_value());
  const auto* s = std::get_if<StreamFrame>(&**stream);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->offset, 0u);
  EXPECT_FALSE(s->fin);
  EXPECT_EQ(bytes(s->data), hex("20 02 00 00"));

  auto end = reader->nextFrame();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  auto again = reader->nextFrame();  // stays at the end
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
}

// §2, RFC 9000 §16 and its Appendix A.1 examples.
TEST(PacketReaderTest, ReadsVarintOfEachLength) {
  const struct {
    std::string_view hex_text;
    uint64_t value;
  } cases[] = {
      {"00", 0},
      {"3f", 63},
      {"25", 37},
      {"4040", 64},
      {"7fff", 16383},
      {"7bbd", 15293},
      {"80004000", 16384},
      {"bfffffff", (uint64_t{1} << 30) - 1},
      {"9d7f3e7d", 494878333},
      {"c000000040000000", uint64_t{1} << 30},
      {"c2197c5eff14e88c", 151288809941952652},
      {"ffffffffffffffff", kMaxVarint},
  };
  for (const auto& c : cases) {
    const auto in = hex(c.hex_text);
    size_t pos = 0;
    const auto value = PacketReader::readVarint(in, pos);
    ASSERT_TRUE(value.has_value()) << c.hex_text;
    EXPECT_EQ(*value, c.value) << c.hex_text;
    EXPECT_EQ(pos, in.size()) << c.hex_text;
  }
}

TEST(PacketReaderTest, AcceptsNonMinimalVarints) {
  // §2: a receiver MUST accept non-minimal encodings.
  for (const auto text : {"4025", "80000025", "c000000000000025"}) {
    const auto in = hex(text);
    size_t pos = 0;
    EXPECT_EQ(PacketReader::readVarint(in, pos), std::optional<uint64_t>(37)) << text;
    EXPECT_EQ(pos, in.size());
  }
  // A non-minimal Max Datagram in a HELLO decodes too.
  Bytes b = Bytes::longHeader(0, kDcid8, "");
  b.u8(0).var(1200, 8).var(65536, 8).var(0, 4).padTo(kMinHelloSize);
  auto packet = PacketReader::decodeLong(b.v);
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->params, (Parameters{1200, 65536, 0}));
}

TEST(PacketReaderTest, ReadVarintPastTheEndFailsWithoutMoving) {
  for (const auto text : {"", "40", "80 00 00", "c0 00 00 00 00 00 00"}) {
    const auto in = hex(text);
    size_t pos = 0;
    EXPECT_FALSE(PacketReader::readVarint(in, pos).has_value()) << text;
    EXPECT_EQ(pos, 0u);
  }
  const auto in = hex("05 41");
  size_t pos = 1;
  EXPECT_FALSE(PacketReader::readVarint(in, pos).has_value());
  EXPECT_EQ(pos, 1u);
  pos = 2;
  EXPECT_FALSE(PacketReader::readVarint(in, pos).has_value());
  pos = 7;  // beyond the end
  EXPECT_FALSE(PacketReader::readVarint(in, pos).has_value());
  EXPECT_EQ(pos, 7u);
}

TEST(PacketReaderTest, RecognisesOnlySimpleLongHeaders) {
  EXPECT_TRUE(PacketReader::isSimpleLongHeader(hex("c0 6d716631")));
  EXPECT_TRUE(PacketReader::isSimpleLongHeader(hello("").v));
  EXPECT_FALSE(PacketReader::isSimpleLongHeader(hex("c0 00000001 08")));  // QUIC v1
  EXPECT_FALSE(PacketReader::isSimpleLongHeader(hex("c0 00000000")));     // version negotiation
  EXPECT_FALSE(PacketReader::isSimpleLongHeader(hex("40 6d716631")));     // short header
  EXPECT_FALSE(PacketReader::isSimpleLongHeader(hex("c0 6d7166")));       // too short
  EXPECT_FALSE(PacketReader::isSimpleLongHeader({}));
}

TEST(PacketReaderTest, DecodesHelloWithCookie) {
  const auto datagram = hello("00112233445566778899aabbccddeeff0011223344556677", 65527,
                              kMaxStreamWindow, kMaxIdleTimeoutMs)
                            .padTo(300)
                            .v;
  auto packet = PacketReader::decodeLong(datagram);
  ASSERT_TRUE(packet.ok()) << toString(packet.error());
  EXPECT_EQ(packet->type, LongType::kHello);
  EXPECT_EQ(bytes(packet->dcid), hex(kDcid8));
  EXPECT_EQ(bytes(packet->scid), hex("c1c2"));
  EXPECT_EQ(bytes(packet->cookie), hex("00112233445566778899aabbccddeeff0011223344556677"));
  EXPECT_EQ(packet->params, (Parameters{65527, kMaxStreamWindow, kMaxIdleTimeoutMs}));
}

TEST(PacketReaderTest, DecodesCookieAcceptRefuse) {
  const auto c = cookiePacket("aabbcc").v;
  auto cookie = PacketReader::decodeLong(c);
  ASSERT_TRUE(cookie.ok());
  EXPECT_EQ(cookie->type, LongType::kCookie);
  EXPECT_EQ(bytes(cookie->dcid), hex("c1c2"));
  EXPECT_EQ(bytes(cookie->scid), hex(kDcid8));
  EXPECT_EQ(bytes(cookie->cookie), hex("aabbcc"));

  const auto a = accept().v;
  auto acc = PacketReader::decodeLong(a);
  ASSERT_TRUE(acc.ok());
  EXPECT_EQ(acc->type, LongType::kAccept);
  EXPECT_EQ(bytes(acc->scid), hex(kCid16));
  EXPECT_EQ(acc->params, (Parameters{1452, 1 << 20, 60000}));
  EXPECT_EQ(bytes(acc->reset_token), hex("000102030405060708090a0b0c0d0e0f"));

  const auto r = refuse().v;
  auto ref = PacketReader::decodeLong(r);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->type, LongType::kRefuse);
  EXPECT_EQ(ref->error_code, uint64_t(ErrorCode::kConnectionRefused));
  EXPECT_EQ(ref->reason, "full");

  Bytes empty_reason = Bytes::longHeader(3, "", "");
  empty_reason.var(0x100).var(0);
  auto ref2 = PacketReader::decodeLong(empty_reason.v);
  ASSERT_TRUE(ref2.ok());
  EXPECT_EQ(ref2->error_code, 0x100u);
  EXPECT_TRUE(ref2->reason.empty());
}

TEST(PacketReaderTest, AcceptsTwentyByteCidsAndRefusesMore) {
  const std::string cid20(40, 'a');
  const std::string cid21(42, 'a');
  Bytes ok = Bytes::longHeader(1, cid20, cid20);
  ok.u8(1).u8(7);
  auto packet = PacketReader::decodeLong(ok.v);
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->dcid.size(), 20u);
  EXPECT_EQ(packet->scid.size(), 20u);

  Bytes long_dcid = Bytes::longHeader(1, cid21, "");
  long_dcid.u8(1).u8(7);
  EXPECT_EQ(longError(long_dcid.v), DecodeError::kCidTooLong);
  Bytes long_scid = Bytes::longHeader(1, "", cid21);
  long_scid.u8(1).u8(7);
  EXPECT_EQ(longError(long_scid.v), DecodeError::kCidTooLong);
}

TEST(PacketReaderTest, RefusesBadLongHeaderBits) {
  auto datagram = hello("").v;
  for (uint8_t low = 1; low < 16; ++low) {
    datagram[0] = uint8_t(0xc0 | low);
    EXPECT_EQ(longError(datagram), DecodeError::kReservedBits) << int(low);
  }
  datagram[0] = 0x80;  // fixed bit 0
  EXPECT_EQ(longError(datagram), DecodeError::kReservedBits);
  datagram[0] = 0x40;  // a short header
  EXPECT_EQ(longError(datagram), DecodeError::kBadType);
  datagram[0] = 0xc0;
  datagram[4] = 0x32;  // "mqf2"
  EXPECT_EQ(longError(datagram), DecodeError::kWrongVersion);
  EXPECT_EQ(longError(hex("c0 00000001 00 00 00")), DecodeError::kWrongVersion);
}

TEST(PacketReaderTest, ChecksEveryParameterLimit) {
  // §3.3: each limit is inclusive.
  const Parameters ok[] = {
      {kMinMaxDatagram, kMinStreamWindow, 0},
      {kMaxMaxDatagram, kMaxStreamWindow, kMaxIdleTimeoutMs},
  };
  for (const auto& p : ok) {
    const auto h = hello("", p.max_datagram, p.stream_window, p.idle_timeout_ms).v;
    auto packet = PacketReader::decodeLong(h);
    ASSERT_TRUE(packet.ok());
    EXPECT_EQ(packet->params, p);
    const auto a = accept(p.max_datagram, p.stream_window, p.idle_timeout_ms).v;
    EXPECT_EQ(longError(a), std::nullopt);
  }
  const Parameters bad[] = {
      {kMinMaxDatagram - 1, 65536, 0},      {kMaxMaxDatagram + 1, 65536, 0},
      {1200, kMinStreamWindow - 1, 0},      {1200, kMaxStreamWindow + 1, 0},
      {1200, 65536, kMaxIdleTimeoutMs + 1}, {1200, 65536, kMaxVarint},
  };
  for (const auto& p : bad) {
    const auto h = hello("", p.max_datagram, p.stream_window, p.idle_timeout_ms).v;
    EXPECT_EQ(longError(h), DecodeError::kFieldRange);
    const auto a = accept(p.max_datagram, p.stream_window, p.idle_timeout_ms).v;
    EXPECT_EQ(longError(a), DecodeError::kFieldRange);
    // The server still reads such a HELLO to answer REFUSE (§3.3).
    auto lenient = PacketReader::decodeLongAnyParameters(h);
    ASSERT_TRUE(lenient.ok());
    EXPECT_EQ(lenient->params, p);
    EXPECT_FALSE(parametersInRange(lenient->params));
    EXPECT_EQ(bytes(lenient->dcid), hex(kDcid8));
  }
}

TEST(PacketReaderTest, HelloPaddingMustBeZeroAndLongEnough) {
  auto datagram = hello("abcd").v;
  ASSERT_EQ(longError(datagram), std::nullopt);
  datagram.back() = 1;
  EXPECT_EQ(longError(datagram), DecodeError::kFieldRange);  // §3.1: padding MUST be zero
  datagram.back() = 0;
  datagram.pop_back();  // 127 bytes
  EXPECT_EQ(longError(datagram), DecodeError::kTooShort);
  // Without any padding at all.
  Bytes bare = Bytes::longHeader(0, kDcid8, "");
  bare.u8(0).params(1200, 65536, 30000);
  EXPECT_EQ(longError(bare.v), DecodeError::kTooShort);
  // Padding is not bounded above.
  EXPECT_EQ(longError(hello("").padTo(1500).v), std::nullopt);
}

TEST(PacketReaderTest, CookieLengthLimits) {
  const std::string cookie64(128, 'e');
  const std::string cookie65(130, 'e');
  EXPECT_EQ(longError(hello(cookie64).v), std::nullopt);
  EXPECT_EQ(longError(hello(cookie65).v), DecodeError::kFieldRange);
  EXPECT_EQ(longError(cookiePacket(cookie64).v), std::nullopt);
  EXPECT_EQ(longError(cookiePacket(cookie65).v), DecodeError::kFieldRange);
  EXPECT_EQ(longError(cookiePacket("").v), DecodeError::kFieldRange);  // COOKIE: 1..64
}

TEST(PacketReaderTest, HandshakeRepliesMustEndWithTheirPayload) {
  // Documented choice: bytes after the payload are kFieldRange.
  for (auto b : {cookiePacket("aa"), accept(), refuse()}) {
    ASSERT_EQ(longError(b.v), std::nullopt);
    b.u8(0);
    EXPECT_EQ(longError(b.v), DecodeError::kFieldRange);
  }
}

TEST(PacketReaderTest, RefuseReasonLengthPastTheEnd) {
  Bytes b = Bytes::longHeader(3, "", "");
  b.var(0x0a).var(kMaxVarint).text("x");
  EXPECT_EQ(longError(b.v), DecodeError::kTruncated);
}

TEST(PacketReaderTest, EveryLongPrefixIsAnError) {
  const std::vector<std::vector<uint8_t>> packets = {
      hello("0011223344").v, cookiePacket("a1a2a3").v, accept().v, refuse().v};
  for (const auto& datagram : packets) {
    ASSERT_EQ(longError(datagram), std::nullopt);
    for (size_t n = 0; n < datagram.size(); ++n) {
      const std::span<const uint8_t> prefix(datagram.data(), n);
      EXPECT_NE(longError(prefix), std::nullopt) << "prefix " << n;
      (void)PacketReader::isSimpleLongHeader(prefix);
    }
  }
}

TEST(PacketReaderTest, DecodesShortHeader) {
  Bytes b = shortHeader(0x1234);
  b.u8(0x01);
  auto reader = PacketReader::decodeShort(b.v, 16);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(bytes(reader->dcid()), hex(kCid16));
  EXPECT_EQ(reader->packetNumber(), 0x1234u);
  auto ping = reader->nextFrame();
  ASSERT_TRUE(ping.ok() && ping->has_value());
  EXPECT_TRUE(std::holds_alternative<PingFrame>(**ping));

  Bytes big = shortHeader(kMaxVarint);
  big.u8(0x01);
  auto r2 = PacketReader::decodeShort(big.v, 16);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->packetNumber(), kMaxVarint);
}

TEST(PacketReaderTest, RefusesBadShortHeaders) {
  // §3.2: byte 0 is exactly 0x40.
  for (int first = 0; first < 256; ++first) {
    if (first == 0x40) continue;
    auto datagram = hex("40 00 01");
    datagram[0] = uint8_t(first);
    EXPECT_EQ(shortError(datagram, 0), DecodeError::kReservedBits) << first;
  }
  EXPECT_EQ(shortError({}, 0), DecodeError::kTruncated);
  EXPECT_EQ(shortError(hex("40"), 0), DecodeError::kTruncated);          // no packet number
  EXPECT_EQ(shortError(hex("40 a0a1a2"), 16), DecodeError::kTruncated);  // DCID cut
  EXPECT_EQ(shortError(hex("40 41"), 0), DecodeError::kTruncated);       // packet number cut
  EXPECT_EQ(shortError(hex("40 00"), 0), DecodeError::kNoFrames);
  EXPECT_EQ(shortError(shortHeader(7).v, 16), DecodeError::kNoFrames);
  EXPECT_EQ(shortError(hex("40 00 01"), kMaxCidLength + 1), DecodeError::kCidTooLong);
}

TEST(PacketReaderTest, DecodesEveryFrameType) {
  Bytes b = shortHeader(3);
  b.u8(0x00).u8(0x01).u8(0x02).var(10).var(25).var(0).var(10);  // PADDING, PING, ACK 0..10
  b.u8(0x08).var(70000).var(3).text("abc");                     // STREAM
  b.u8(0x09).var(70003).var(0);                                 // STREAM_FIN, bare
  b.u8(0x10).var(kMaxVarint);                                   // MAX_DATA
  b.u8(0x1c).var(0x0a).var(3).text("bad");                      // CLOSE
  const auto frames = framesOf(b.v, 16);
  ASSERT_EQ(frames.size(), 7u);
  EXPECT_TRUE(std::holds_alternative<PaddingFrame>(frames[0]));
  EXPECT_TRUE(std::holds_alternative<PingFrame>(frames[1]));
  const auto& ack = std::get<AckFrame>(frames[2]);
  EXPECT_EQ(ack.ack_delay_us, 25u);
  ASSERT_EQ(ack.range_count, 1u);
  EXPECT_EQ(ack.ranges[0], (AckRange{0, 10}));
  const auto& stream = std::get<StreamFrame>(frames[3]);
  EXPECT_EQ(stream.offset, 70000u);
  EXPECT_EQ(std::string(stream.data.begin(), stream.data.end()), "abc");
  EXPECT_FALSE(stream.fin);
  const auto& fin = std::get<StreamFrame>(frames[4]);
  EXPECT_EQ(fin.offset, 70003u);
  EXPECT_TRUE(fin.data.empty());
  EXPECT_TRUE(fin.fin);
  EXPECT_EQ(std::get<MaxDataFrame>(frames[5]).maximum, kMaxVarint);
  const auto& close = std::get<CloseFrame>(frames[6]);
  EXPECT_EQ(close.error_code, 0x0au);
  EXPECT_EQ(close.reason, "bad");
}

TEST(PacketReaderTest, PaddingRunIsOneFrame) {
  Bytes b = shortHeader(0, "");
  b.u8(0x01).zeros(100).u8(0x01).zeros(3);
  const auto frames = framesOf(b.v, 0);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<PingFrame>(frames[0]));
  EXPECT_TRUE(std::holds_alternative<PaddingFrame>(frames[1]));
  EXPECT_TRUE(std::holds_alternative<PingFrame>(frames[2]));
  EXPECT_TRUE(std::holds_alternative<PaddingFrame>(frames[3]));
  // A padding-only packet holds frames.
  EXPECT_EQ(framesOf(hex("40 00 00"), 0).size(), 1u);
}

TEST(PacketReaderTest, DecodesAckRangesToAbsoluteNumbers) {
  // §4.1, RFC 9000 §19.3.1: Largest 100, First 2 -> 98..100; Gap 3, Length 4 -> 89..93
  // (93 = 98 - 3 - 2); Gap 0, Length 0 -> 87..87; Gap 85, Length 0 -> 0..0.
  Bytes b = shortHeader(0, "");
  b.u8(0x02).var(100).var(1000).var(3).var(2).var(3).var(4).var(0).var(0).var(85).var(0);
  const auto frames = framesOf(b.v, 0);
  ASSERT_EQ(frames.size(), 1u);
  const auto& ack = std::get<AckFrame>(frames[0]);
  EXPECT_EQ(ack.largest(), 100u);
  EXPECT_EQ(ack.ack_delay_us, 1000u);
  ASSERT_EQ(ack.range_count, 4u);
  EXPECT_EQ(ack.ranges[0], (AckRange{98, 100}));
  EXPECT_EQ(ack.ranges[1], (AckRange{89, 93}));
  EXPECT_EQ(ack.ranges[2], (AckRange{87, 87}));
  EXPECT_EQ(ack.ranges[3], (AckRange{0, 0}));
}

TEST(PacketReaderTest, AckRangeCountLimit) {
  // 64 pairs of single packets: 1000, 998, ..., 872.
  Bytes ok = shortHeader(0, "");
  ok.u8(0x02).var(1000).var(0).var(kMaxAckRanges).var(0);
  for (size_t i = 0; i < kMaxAckRanges; ++i) ok.var(0).var(0);
  const auto frames = framesOf(ok.v, 0);
  ASSERT_EQ(frames.size(), 1u);
  const auto& ack = std::get<AckFrame>(frames[0]);
  ASSERT_EQ(ack.range_count, kMaxAckRanges + 1);
  for (size_t i = 0; i < ack.range_count; ++i) {
    EXPECT_EQ(ack.ranges[i], (AckRange{1000 - 2 * i, 1000 - 2 * i}));
  }
  Bytes too_many = shortHeader(0, "");
  too_many.u8(0x02).var(1000).var(0).var(kMaxAckRanges + 1).var(0);
  for (size_t i = 0; i < kMaxAckRanges + 1; ++i) too_many.var(0).var(0);
  EXPECT_EQ(shortError(too_many.v, 0), DecodeError::kTooManyRanges);
  Bytes huge = shortHeader(0, "");
  huge.u8(0x02).var(1000).var(0).var(kMaxVarint);
  EXPECT_EQ(shortError(huge.v, 0), DecodeError::kTooManyRanges);
}

TEST(PacketReaderTest, AckRangeBelowZeroIsRefused) {
  const struct {
    std::vector<uint64_t> fields;  // Largest, Delay, Count, First, pairs
    std::optional<DecodeError> error;
  } cases[] = {
      {{5, 0, 0, 5}, std::nullopt},                     // 0..5
      {{5, 0, 0, 6}, DecodeError::kBadAckRange},        // First below 0
      {{5, 0, 1, 3, 0, 0}, std::nullopt},               // 2..5, 0..0
      {{5, 0, 1, 3, 1, 0}, DecodeError::kBadAckRange},  // Gap below 0: 2 - 1 - 2 < 0
      {{5, 0, 1, 2, 0, 1}, std::nullopt},               // 3..5, 0..1
      {{5, 0, 1, 2, 0, 2}, DecodeError::kBadAckRange},  // Length below 0
      {{0, 0, 1, 0, 0, 0}, DecodeError::kBadAckRange},  // nothing below 0 to acknowledge
  };
  for (const auto& c : cases) {
    Bytes b = shortHeader(0, "");
    b.u8(0x02);
    for (const uint64_t f : c.fields) b.var(f);
    EXPECT_EQ(shortError(b.v, 0), c.error) << b.v.size();
  }
}

TEST(PacketReaderTest, StreamEndMustStayAVarint) {
  // §4.2: Offset + Length above 2^62 - 1 is refused; exactly 2^62 - 1 is accepted.
  Bytes ok = shortHeader(0, "");
  ok.u8(0x08).var(kMaxVarint - 2).var(2).text("xy");
  EXPECT_EQ(shortError(ok.v, 0), std::nullopt);
  Bytes over = shortHeader(0, "");
  over.u8(0x09).var(kMaxVarint - 1).var(2).text("xy");
  EXPECT_EQ(shortError(over.v, 0), DecodeError::kFieldRange);
  Bytes max_offset = shortHeader(0, "");
  max_offset.u8(0x09).var(kMaxVarint).var(0);
  EXPECT_EQ(shortError(max_offset.v, 0), std::nullopt);
}

TEST(PacketReaderTest, FieldsPastTheEndAreTruncated) {
  const std::string_view cases[] = {
      "40 00 02 05 00",           // ACK without First ACK Range
      "40 00 02 05 00 01 00 00",  // ACK pair cut
      "40 00 08 00 05 6162",      // STREAM data short
      "40 00 08 00 ff",           // STREAM Length cut (8-byte varint)
      "40 00 10",                 // MAX_DATA without value
      "40 00 1c 00 04 61",        // CLOSE reason short
      "40 00 1c 00 c0 00 00 00 00 00 00 ff 61",
  };
  for (const auto text : cases)
    EXPECT_EQ(shortError(hex(text), 0), DecodeError::kTruncated) << text;
}

TEST(PacketReaderTest, UnknownFrameTypes) {
  const std::set<int> known = {0x00, 0x01, 0x02, 0x08, 0x09, 0x10, 0x1c};
  for (int type = 0; type < 256; ++type) {
    if (known.count(type) != 0) continue;
    auto datagram = hex("40 00 01 00 00 00 00 00 00 00 00");
    datagram[3] = uint8_t(type);
    EXPECT_EQ(shortError(datagram, 0), DecodeError::kUnknownFrame) << type;
  }
}

TEST(PacketReaderTest, FailedFrameDoesNotAdvance) {
  auto datagram = hex("40 00 01 03 01");
  auto reader = PacketReader::decodeShort(datagram, 0);
  ASSERT_TRUE(reader.ok());
  auto ping = reader->nextFrame();
  ASSERT_TRUE(ping.ok() && ping->has_value());
  for (int i = 0; i < 3; ++i) {
    auto bad = reader->nextFrame();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), DecodeError::kUnknownFrame);
  }
}

// Prefixes of a valid short-header packet: a cut inside a frame is an error, a cut between
// frames is a valid, shorter packet; never a crash.
TEST(PacketReaderTest, EveryShortPrefixIsAnErrorOrEndsAtAFrame) {
  Bytes b = shortHeader(300);
  std::set<size_t> boundaries;
  b.u8(0x01);
  boundaries.insert(b.v.size());
  b.u8(0x02).var(500).var(20000).var(2).var(3).var(10).var(4).var(0).var(0);
  boundaries.insert(b.v.size());
  b.u8(0x08).var(100000).var(5).text("hello");
  boundaries.insert(b.v.size());
  b.u8(0x10).var(1 << 20);
  boundaries.insert(b.v.size());
  b.u8(0x1c).var(0x100).var(2).text("up");
  boundaries.insert(b.v.size());
  b.u8(0x09).var(100005).var(0);
  boundaries.insert(b.v.size());
  ASSERT_EQ(shortError(b.v, 16), std::nullopt);
  const size_t header = 1 + 16 + 2;
  for (size_t n = 0; n < b.v.size(); ++n) {
    const std::span<const uint8_t> prefix(b.v.data(), n);
    const auto error = shortError(prefix, 16);
    if (n < header) {
      EXPECT_EQ(error, DecodeError::kTruncated) << n;
    } else if (n == header) {
      EXPECT_EQ(error, DecodeError::kNoFrames);
    } else if (boundaries.count(n) != 0) {
      EXPECT_EQ(error, std::nullopt) << n;
    } else {
      EXPECT_EQ(error, DecodeError::kTruncated) << n;
    }
  }
}

// Each DecodeError value comes out of some datagram.
TEST(PacketReaderTest, EveryDecodeErrorIsReachable) {
  auto tooShort = hello("").v;
  tooShort.resize(kMinHelloSize - 1);
  const struct {
    std::vector<uint8_t> datagram;
    bool is_long;
    DecodeError error;
  } cases[] = {
      {hex("c0 6d71"), true, DecodeError::kTruncated},
      {hex("c1 6d716631 00 00 01 aa"), true, DecodeError::kReservedBits},
      {hex("c0 6d716632 00 00 01 aa"), true, DecodeError::kWrongVersion},
      {hex("d0 6d716631 15"), true, DecodeError::kCidTooLong},
      {hex("40 6d716631 00 00 01 aa"), true, DecodeError::kBadType},
      {hex("40 00 04"), false, DecodeError::kUnknownFrame},
      {hex("d0 6d716631 00 00 00"), true, DecodeError::kFieldRange},
      {hex("40 00 02 09 00 41 00"), false, DecodeError::kTooManyRanges},
      {hex("40 00 02 00 00 00 01"), false, DecodeError::kBadAckRange},
      {hex("40 00"), false, DecodeError::kNoFrames},
      {tooShort, true, DecodeError::kTooShort},
  };
  std::set<DecodeError> seen;
  for (const auto& c : cases) {
    const auto error = c.is_long ? longError(c.datagram) : shortError(c.datagram, 0);
    EXPECT_EQ(error, c.error) << toString(c.error);
    if (error) seen.insert(*error);
  }
  EXPECT_EQ(seen.size(), size_t(DecodeError::kTooShort) + 1);
}

TEST(PacketReaderTest, EveryDecodeErrorHasADistinctText) {
  std::set<std::string_view> seen;
  for (int i = 0; i <= int(DecodeError::kTooShort); ++i) {
    const auto text = toString(static_cast<DecodeError>(i));
    EXPECT_NE(text, "unknown decode error") << i;
    EXPECT_TRUE(seen.insert(text).second) << text;
  }
}

TEST(PacketReaderTest, ErrorCodeTexts) {
  // §6; unknown codes read as INTERNAL_ERROR.
  EXPECT_EQ(toString(ErrorCode::kNoError), "NO_ERROR");
  EXPECT_EQ(toString(ErrorCode::kInternalError), "INTERNAL_ERROR");
  EXPECT_EQ(toString(ErrorCode::kConnectionRefused), "CONNECTION_REFUSED");
  EXPECT_EQ(toString(ErrorCode::kFlowControlError), "FLOW_CONTROL_ERROR");
  EXPECT_EQ(toString(ErrorCode::kProtocolViolation), "PROTOCOL_VIOLATION");
  EXPECT_EQ(toString(ErrorCode::kUpstreamLost), "UPSTREAM_LOST");
  EXPECT_EQ(toString(static_cast<ErrorCode>(0x42)), "INTERNAL_ERROR");
}

}  // namespace
}  // namespace mqttd::simple
