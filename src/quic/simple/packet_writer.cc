#include "quic/simple/packet_writer.h"

#include <algorithm>
#include <cstring>

namespace mqttd::simple {

namespace {

constexpr uint8_t kLongHeaderBits = 0xc0;   // §3.1: form bit 1, fixed bit 1
constexpr uint8_t kShortHeaderByte = 0x40;  // §3.2: form bit 0, fixed bit 1, 6 bits 0

[[nodiscard]] bool writeByte(std::span<uint8_t> out, size_t& pos, uint8_t value) {
  if (pos >= out.size()) return false;
  out[pos++] = value;
  return true;
}

[[nodiscard]] bool writeBytes(std::span<uint8_t> out, size_t& pos, std::span<const uint8_t> bytes) {
  if (pos > out.size() || bytes.size() > out.size() - pos) return false;
  if (!bytes.empty()) std::memcpy(out.data() + pos, bytes.data(), bytes.size());
  pos += bytes.size();
  return true;
}

// §3.1: byte 0, VERSION, DCID Length, DCID, SCID Length, SCID.
[[nodiscard]] bool writeLongHeader(std::span<uint8_t> out, size_t& pos, LongType type,
                                   std::span<const uint8_t> dcid, std::span<const uint8_t> scid) {
  if (dcid.size() > kMaxCidLength || scid.size() > kMaxCidLength) return false;
  const uint8_t version[4] = {uint8_t(kVersion >> 24), uint8_t(kVersion >> 16),
                              uint8_t(kVersion >> 8), uint8_t(kVersion)};
  return writeByte(out, pos, uint8_t(kLongHeaderBits | static_cast<uint8_t>(type) << 4)) &&
         writeBytes(out, pos, version) && writeByte(out, pos, uint8_t(dcid.size())) &&
         writeBytes(out, pos, dcid) && writeByte(out, pos, uint8_t(scid.size())) &&
         writeBytes(out, pos, scid);
}

// §3.3: three varints, each inside its limits.
[[nodiscard]] bool writeParameters(std::span<uint8_t> out, size_t& pos, const Parameters& p) {
  return parametersInRange(p) && PacketWriter::writeVarint(out, pos, p.max_datagram) &&
         PacketWriter::writeVarint(out, pos, p.stream_window) &&
         PacketWriter::writeVarint(out, pos, p.idle_timeout_ms);
}

std::span<const uint8_t> bytesOf(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Largest value a varint of `size` bytes holds (RFC 9000 §16).
constexpr uint64_t varintCapacity(size_t size) {
  return (uint64_t{1} << (8 * size - 2)) - 1;
}

}  // namespace

size_t PacketWriter::writeHello(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                                std::span<const uint8_t> scid, std::span<const uint8_t> cookie,
                                const Parameters& params, size_t pad_to) {
  // §3.1: Cookie Length (0..64), Cookie, Parameters, zeros up to at least kMinHelloSize.
  size_t pos = 0;
  if (cookie.size() > kMaxCookieLength) return 0;
  if (!writeLongHeader(out, pos, LongType::kHello, dcid, scid) ||
      !writeByte(out, pos, uint8_t(cookie.size())) || !writeBytes(out, pos, cookie) ||
      !writeParameters(out, pos, params)) {
    return 0;
  }
  const size_t total = std::max(kMinHelloSize, pad_to);
  if (pos < total) {
    if (total > out.size()) return 0;
    std::memset(out.data() + pos, 0, total - pos);
    pos = total;
  }
  return pos;
}

size_t PacketWriter::writeCookie(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                                 std::span<const uint8_t> scid, std::span<const uint8_t> cookie) {
  // §3.1: Cookie Length (1..64), Cookie.
  size_t pos = 0;
  if (cookie.empty() || cookie.size() > kMaxCookieLength) return 0;
  if (!writeLongHeader(out, pos, LongType::kCookie, dcid, scid) ||
      !writeByte(out, pos, uint8_t(cookie.size())) || !writeBytes(out, pos, cookie)) {
    return 0;
  }
  return pos;
}

size_t PacketWriter::writeAccept(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                                 std::span<const uint8_t> scid, const Parameters& params,
                                 std::span<const uint8_t, kResetTokenLength> reset_token) {
  // §3.1: Parameters, Reset Token.
  size_t pos = 0;
  if (!writeLongHeader(out, pos, LongType::kAccept, dcid, scid) ||
      !writeParameters(out, pos, params) || !writeBytes(out, pos, reset_token)) {
    return 0;
  }
  return pos;
}

size_t PacketWriter::writeRefuse(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                                 std::span<const uint8_t> scid, ErrorCode code,
                                 std::string_view reason) {
  // §3.1: Error Code, Reason Length, Reason.
  size_t pos = 0;
  if (!writeLongHeader(out, pos, LongType::kRefuse, dcid, scid) ||
      !writeVarint(out, pos, static_cast<uint64_t>(code)) ||
      !writeVarint(out, pos, reason.size()) || !writeBytes(out, pos, bytesOf(reason))) {
    return 0;
  }
  return pos;
}

PacketWriter::PacketWriter(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                           uint64_t packet_number)
    : out_(out) {
  // §3.2: the header byte, the DCID (no length), the packet number.
  if (dcid.size() > kMaxCidLength) return;
  size_t pos = 0;
  if (!writeByte(out_, pos, kShortHeaderByte) || !writeBytes(out_, pos, dcid) ||
      !writeVarint(out_, pos, packet_number)) {
    return;
  }
  pos_ = pos;
  ok_ = true;
}

bool PacketWriter::ping() {
  if (!ok_ || remaining() < 1) return false;
  out_[pos_++] = static_cast<uint8_t>(FrameType::kPing);
  ++frames_;
  ack_eliciting_ = true;
  return true;
}

bool PacketWriter::padding(size_t n) {
  if (!ok_ || n > remaining()) return false;
  if (n == 0) return true;
  static_assert(static_cast<uint8_t>(FrameType::kPadding) == 0);
  std::memset(out_.data() + pos_, 0, n);
  pos_ += n;
  ++frames_;
  return true;
}

bool PacketWriter::maxData(uint64_t maximum) {
  // §4.3: one varint.
  if (!ok_ || maximum > kMaxVarint || 1 + varintSize(maximum) > remaining()) return false;
  out_[pos_++] = static_cast<uint8_t>(FrameType::kMaxData);
  (void)writeVarint(out_, pos_, maximum);
  ++frames_;
  ack_eliciting_ = true;
  return true;
}

bool PacketWriter::close(ErrorCode code, std::string_view reason) {
  // §4.4: Error Code, Reason Length, Reason.
  const auto value = static_cast<uint64_t>(code);
  if (!ok_ || value > kMaxVarint) return false;
  const size_t size = 1 + varintSize(value) + varintSize(reason.size()) + reason.size();
  if (size > remaining()) return false;
  out_[pos_++] = static_cast<uint8_t>(FrameType::kClose);
  (void)writeVarint(out_, pos_, value);
  (void)writeVarint(out_, pos_, reason.size());
  (void)writeBytes(out_, pos_, bytesOf(reason));
  ++frames_;
  return true;
}

bool PacketWriter::ack(std::span<const AckRange> ranges, uint64_t ack_delay_us) {
  if (!ok_ || ranges.empty() || ack_delay_us > kMaxVarint) return false;
  const size_t limit = std::min(ranges.size() - 1, kMaxAckRanges);  // pairs after the first
  for (size_t i = 0; i <= limit; ++i) {
    const AckRange& r = ranges[i];
    if (r.smallest > r.largest || r.largest > kMaxVarint) return false;
    // Descending, disjoint, non-adjacent: at least one unacknowledged number in between.
    if (i > 0 && r.largest + 2 > ranges[i - 1].smallest) return false;
  }
  // §4.1, RFC 9000 §19.3.1: Gap = previous smallest - largest - 2, Length = largest - smallest.
  auto gap = [&](size_t i) { return ranges[i - 1].smallest - ranges[i].largest - 2; };
  auto length = [&](size_t i) { return ranges[i].largest - ranges[i].smallest; };

  const size_t base =
      1 + varintSize(ranges[0].largest) + varintSize(ack_delay_us) + varintSize(length(0));
  if (base + varintSize(0) > remaining()) return false;
  // Each extra pair makes the frame longer, so take pairs until the next one does not fit.
  size_t count = 0;
  size_t pair_bytes = 0;
  while (count < limit) {
    const size_t next = varintSize(gap(count + 1)) + varintSize(length(count + 1));
    if (base + varintSize(count + 1) + pair_bytes + next > remaining()) break;
    pair_bytes += next;
    ++count;
  }
  out_[pos_++] = static_cast<uint8_t>(FrameType::kAck);
  (void)writeVarint(out_, pos_, ranges[0].largest);
  (void)writeVarint(out_, pos_, ack_delay_us);
  (void)writeVarint(out_, pos_, count);
  (void)writeVarint(out_, pos_, length(0));
  for (size_t i = 1; i <= count; ++i) {
    (void)writeVarint(out_, pos_, gap(i));
    (void)writeVarint(out_, pos_, length(i));
  }
  ++frames_;
  return true;
}

size_t PacketWriter::stream(uint64_t offset, std::span<const iovec> data, size_t max_len, bool fin,
                            bool* fin_written) {
  if (fin_written != nullptr) *fin_written = false;
  if (!ok_ || offset > kMaxVarint) return 0;
  // The data: the first max_len bytes of the iovecs (sum saturates at max_len).
  uint64_t want = 0;
  for (const iovec& v : data) want += std::min<uint64_t>(v.iov_len, max_len - want);
  // §4.2: offset + length stays a varint.
  const uint64_t limit = std::min(want, kMaxVarint - offset);

  // Type, Offset, then Length + Stream Data in `space`.
  const size_t header = 1 + varintSize(offset);
  if (header + 1 > remaining()) return 0;
  const uint64_t space = remaining() - header;
  uint64_t n = 0;
  for (const size_t length_size : {size_t{1}, size_t{2}, size_t{4}, size_t{8}}) {
    if (space < length_size) break;
    n = std::max(n, std::min({limit, space - length_size, varintCapacity(length_size)}));
  }
  const bool write_fin = fin && n == want;
  if (n == 0 && !write_fin) return 0;

  out_[pos_++] = static_cast<uint8_t>(write_fin ? FrameType::kStreamFin : FrameType::kStream);
  (void)writeVarint(out_, pos_, offset);
  (void)writeVarint(out_, pos_, n);
  uint64_t left = n;
  for (const iovec& v : data) {
    if (left == 0) break;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(v.iov_len, left));
    if (take == 0) continue;
    std::memcpy(out_.data() + pos_, v.iov_base, take);
    pos_ += take;
    left -= take;
  }
  ++frames_;
  ack_eliciting_ = true;
  if (fin_written != nullptr) *fin_written = write_fin;
  return static_cast<size_t>(n);
}

size_t PacketWriter::varintSize(uint64_t value) {
  // RFC 9000 §16. Values above kMaxVarint have no encoding; writeVarint refuses them.
  if (value <= varintCapacity(1)) return 1;
  if (value <= varintCapacity(2)) return 2;
  if (value <= varintCapacity(4)) return 4;
  return 8;
}

bool PacketWriter::writeVarint(std::span<uint8_t> out, size_t& pos, uint64_t value) {
  if (value > kMaxVarint) return false;
  const size_t size = varintSize(value);
  if (pos > out.size() || size > out.size() - pos) return false;
  for (size_t i = 0; i < size; ++i) out[pos + i] = uint8_t(value >> (8 * (size - 1 - i)));
  // The two high bits: 00, 01, 10, 11 for 1, 2, 4, 8 bytes.
  const uint8_t length_bits = size == 1 ? 0x00 : size == 2 ? 0x40 : size == 4 ? 0x80 : 0xc0;
  out[pos] |= length_bits;
  pos += size;
  return true;
}

}  // namespace mqttd::simple
