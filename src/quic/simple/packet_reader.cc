#include "quic/simple/packet_reader.h"

#include <algorithm>
#include <utility>

namespace mqttd::simple {

namespace {

constexpr uint8_t kFormBit = 0x80;               // §3.1: 1 for a long header
constexpr uint8_t kFixedBit = 0x40;              // §3.1, §3.2: always 1
constexpr uint8_t kLongTypeMask = 0x30;          // §3.1: TT
constexpr uint8_t kLongLowBits = 0x0f;           // §3.1: 4 bits 0
constexpr uint8_t kShortHeaderByte = kFixedBit;  // §3.2: 0 1 000000

// Reads fields front to back; a read that would run past the end fails and moves nothing.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> in, size_t pos = 0) : in_(in), pos_(pos) {}

  size_t pos() const { return pos_; }
  bool atEnd() const { return pos_ >= in_.size(); }
  std::span<const uint8_t> rest() const { return in_.subspan(pos_); }

  [[nodiscard]] bool byte(uint8_t& out) {
    if (atEnd()) return false;
    out = in_[pos_++];
    return true;
  }
  [[nodiscard]] bool varint(uint64_t& out) {
    const auto value = PacketReader::readVarint(in_, pos_);
    if (!value) return false;
    out = *value;
    return true;
  }
  [[nodiscard]] bool bytes(uint64_t n, std::span<const uint8_t>& out) {
    if (n > in_.size() - pos_) return false;
    out = in_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  [[nodiscard]] bool uint32(uint32_t& out) {
    std::span<const uint8_t> b;
    if (!bytes(4, b)) return false;
    out = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
    return true;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_;
};

std::string_view asText(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// §3.1: a CID Length byte (0..20) and the CID.
Result<void, DecodeError> readCid(Cursor& c, std::span<const uint8_t>& cid) {
  uint8_t length = 0;
  if (!c.byte(length)) return fail(DecodeError::kTruncated);
  if (length > kMaxCidLength) return fail(DecodeError::kCidTooLong);
  if (!c.bytes(length, cid)) return fail(DecodeError::kTruncated);
  return {};
}

// §3.3: three varints; a value outside its limits is kFieldRange when `check_limits`.
Result<void, DecodeError> readParameters(Cursor& c, Parameters& params, bool check_limits) {
  if (!c.varint(params.max_datagram) || !c.varint(params.stream_window) ||
      !c.varint(params.idle_timeout_ms)) {
    return fail(DecodeError::kTruncated);
  }
  if (check_limits && !parametersInRange(params)) return fail(DecodeError::kFieldRange);
  return {};
}

// §3: COOKIE, ACCEPT and REFUSE end exactly with their payload. Extra bytes are reported as
// kFieldRange (a length field that disagrees with the datagram), not kTruncated, which means
// "a field runs past the end".
Result<void, DecodeError> expectEnd(const Cursor& c) {
  if (!c.atEnd()) return fail(DecodeError::kFieldRange);
  return {};
}

Result<void, DecodeError> readPayload(Cursor& c, LongPacket& p, size_t datagram_size,
                                      bool check_limits) {
  switch (p.type) {
    case LongType::kHello: {
      // §3.1: Cookie Length (0..64), Cookie, Parameters, zero padding to kMinHelloSize.
      uint8_t cookie_length = 0;
      if (!c.byte(cookie_length)) return fail(DecodeError::kTruncated);
      if (cookie_length > kMaxCookieLength) return fail(DecodeError::kFieldRange);
      if (!c.bytes(cookie_length, p.cookie)) return fail(DecodeError::kTruncated);
      if (auto r = readParameters(c, p.params, check_limits); !r) return r;
      for (const uint8_t b : c.rest()) {
        if (b != 0) return fail(DecodeError::kFieldRange);  // §3.1: padding MUST be zero
      }
      if (datagram_size < kMinHelloSize) return fail(DecodeError::kTooShort);
      return {};
    }
    case LongType::kCookie: {
      // §3.1: Cookie Length (1..64), Cookie.
      uint8_t cookie_length = 0;
      if (!c.byte(cookie_length)) return fail(DecodeError::kTruncated);
      if (cookie_length == 0 || cookie_length > kMaxCookieLength) {
        return fail(DecodeError::kFieldRange);
      }
      if (!c.bytes(cookie_length, p.cookie)) return fail(DecodeError::kTruncated);
      return expectEnd(c);
    }
    case LongType::kAccept: {
      // §3.1: Parameters, Reset Token (16 bytes).
      if (auto r = readParameters(c, p.params, check_limits); !r) return r;
      std::span<const uint8_t> token;
      if (!c.bytes(kResetTokenLength, token)) return fail(DecodeError::kTruncated);
      std::copy(token.begin(), token.end(), p.reset_token.begin());
      return expectEnd(c);
    }
    case LongType::kRefuse: {
      // §3.1: Error Code (varint), Reason Length (varint), Reason.
      uint64_t reason_length = 0;
      if (!c.varint(p.error_code) || !c.varint(reason_length)) {
        return fail(DecodeError::kTruncated);
      }
      std::span<const uint8_t> reason;
      if (!c.bytes(reason_length, reason)) return fail(DecodeError::kTruncated);
      p.reason = asText(reason);
      return expectEnd(c);
    }
  }
  return fail(DecodeError::kBadType);  // unreachable: TT has four values
}

Result<LongPacket, DecodeError> decodeLongPacket(std::span<const uint8_t> datagram,
                                                 bool check_limits) {
  Cursor c(datagram);
  uint8_t first = 0;
  if (!c.byte(first)) return fail(DecodeError::kTruncated);
  if ((first & kFormBit) == 0) return fail(DecodeError::kBadType);  // a short header
  if ((first & kFixedBit) == 0 || (first & kLongLowBits) != 0) {
    return fail(DecodeError::kReservedBits);
  }
  uint32_t version = 0;
  if (!c.uint32(version)) return fail(DecodeError::kTruncated);
  if (version != kVersion) return fail(DecodeError::kWrongVersion);

  LongPacket p;
  p.type = static_cast<LongType>((first & kLongTypeMask) >> 4);
  if (auto r = readCid(c, p.dcid); !r) return fail(r.error());
  if (auto r = readCid(c, p.scid); !r) return fail(r.error());
  if (auto r = readPayload(c, p, datagram.size(), check_limits); !r) return fail(r.error());
  return p;
}

// §4.1, RFC 9000 §19.3.1: the ranges after the first step down from the previous smallest.
Result<Frame, DecodeError> readAck(Cursor& c) {
  uint64_t largest = 0;
  uint64_t range_count = 0;
  uint64_t first_range = 0;
  AckFrame ack;
  if (!c.varint(largest) || !c.varint(ack.ack_delay_us) || !c.varint(range_count)) {
    return fail(DecodeError::kTruncated);
  }
  if (range_count > kMaxAckRanges) return fail(DecodeError::kTooManyRanges);
  if (!c.varint(first_range)) return fail(DecodeError::kTruncated);
  if (first_range > largest) return fail(DecodeError::kBadAckRange);
  uint64_t smallest = largest - first_range;
  ack.ranges[0] = {smallest, largest};
  ack.range_count = 1;
  for (uint64_t i = 0; i < range_count; ++i) {
    uint64_t gap = 0;
    uint64_t length = 0;
    if (!c.varint(gap) || !c.varint(length)) return fail(DecodeError::kTruncated);
    // largest = previous smallest - Gap - 2; smallest = largest - ACK Range Length. Both
    // varints are below 2^62, so gap + 2 cannot overflow.
    if (gap + 2 > smallest) return fail(DecodeError::kBadAckRange);
    const uint64_t range_largest = smallest - gap - 2;
    if (length > range_largest) return fail(DecodeError::kBadAckRange);
    smallest = range_largest - length;
    ack.ranges[ack.range_count++] = {smallest, range_largest};
  }
  return Frame(ack);
}

Result<Frame, DecodeError> readFrame(Cursor& c) {
  uint8_t type = 0;
  if (!c.byte(type)) return fail(DecodeError::kTruncated);
  switch (static_cast<FrameType>(type)) {
    case FrameType::kPadding: {
      // One byte each; a run is returned as one frame.
      uint8_t zero = 0;
      while (!c.atEnd() && c.rest().front() == 0) (void)c.byte(zero);
      return Frame(PaddingFrame{});
    }
    case FrameType::kPing: return Frame(PingFrame{});
    case FrameType::kAck: return readAck(c);
    case FrameType::kStream:
    case FrameType::kStreamFin: {
      // §4.2: Offset, Length, Stream Data.
      StreamFrame stream;
      uint64_t length = 0;
      if (!c.varint(stream.offset) || !c.varint(length)) return fail(DecodeError::kTruncated);
      if (!c.bytes(length, stream.data)) return fail(DecodeError::kTruncated);
      // §4.2: the end offset must stay a varint. Both are below 2^62: no overflow.
      if (stream.offset + length > kMaxVarint) return fail(DecodeError::kFieldRange);
      stream.fin = static_cast<FrameType>(type) == FrameType::kStreamFin;
      return Frame(stream);
    }
    case FrameType::kMaxData: {
      MaxDataFrame max_data;
      if (!c.varint(max_data.maximum)) return fail(DecodeError::kTruncated);
      return Frame(max_data);
    }
    case FrameType::kClose: {
      // §4.4: Error Code, Reason Length, Reason.
      CloseFrame close;
      uint64_t reason_length = 0;
      std::span<const uint8_t> reason;
      if (!c.varint(close.error_code) || !c.varint(reason_length) ||
          !c.bytes(reason_length, reason)) {
        return fail(DecodeError::kTruncated);
      }
      close.reason = asText(reason);
      return Frame(close);
    }
  }
  return fail(DecodeError::kUnknownFrame);
}

}  // namespace

bool PacketReader::isSimpleLongHeader(std::span<const uint8_t> datagram) {
  // §9: a long header (form bit 1) whose version is VERSION.
  if (datagram.size() < 5 || (datagram[0] & kFormBit) == 0) return false;
  Cursor c(datagram, 1);
  uint32_t version = 0;
  return c.uint32(version) && version == kVersion;
}

Result<LongPacket, DecodeError> PacketReader::decodeLong(std::span<const uint8_t> datagram) {
  return decodeLongPacket(datagram, true);
}

Result<LongPacket, DecodeError> PacketReader::decodeLongAnyParameters(
    std::span<const uint8_t> datagram) {
  return decodeLongPacket(datagram, false);
}

Result<PacketReader, DecodeError> PacketReader::decodeShort(std::span<const uint8_t> datagram,
                                                            size_t dcid_length) {
  if (dcid_length > kMaxCidLength) return fail(DecodeError::kCidTooLong);
  Cursor c(datagram);
  uint8_t first = 0;
  if (!c.byte(first)) return fail(DecodeError::kTruncated);
  // §3.2: form 0, fixed 1, the 6 other bits 0.
  if (first != kShortHeaderByte) return fail(DecodeError::kReservedBits);
  PacketReader reader;
  if (!c.bytes(dcid_length, reader.dcid_) || !c.varint(reader.packet_number_)) {
    return fail(DecodeError::kTruncated);
  }
  reader.frames_ = c.rest();
  if (reader.frames_.empty()) return fail(DecodeError::kNoFrames);  // §3.2
  return reader;
}

Result<std::optional<Frame>, DecodeError> PacketReader::nextFrame() {
  Cursor c(frames_, pos_);
  if (c.atEnd()) return std::optional<Frame>();
  auto frame = readFrame(c);
  if (!frame) return fail(frame.error());
  pos_ = c.pos();
  return std::optional<Frame>(std::move(*frame));
}

std::optional<uint64_t> PacketReader::readVarint(std::span<const uint8_t> in, size_t& pos) {
  // RFC 9000 §16: the two high bits give the length; non-minimal forms are accepted (§2).
  if (pos >= in.size()) return std::nullopt;
  const size_t length = size_t{1} << (in[pos] >> 6);
  if (length > in.size() - pos) return std::nullopt;
  uint64_t value = in[pos] & 0x3f;
  for (size_t i = 1; i < length; ++i) value = value << 8 | in[pos + i];
  pos += length;
  return value;
}

}  // namespace mqttd::simple
