// libFuzzer target for the simple framing codec (docs/simple-framing.md): the input as a
// long-header packet, and as a short-header packet with DCID lengths 0 and 16 (every frame).
// Whatever decodes is written again with PacketWriter and must decode to the same fields;
// writing again must give the same bytes; frames cut to a smaller buffer must be prefixes.
#include <sys/uio.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace {

using namespace mqttd::simple;

void check(bool condition) {
  if (!condition) abort();
}

bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Fields of a decoded long packet, as LongPacket has no operator==.
bool sameLong(const LongPacket& a, const LongPacket& b) {
  return a.type == b.type && same(a.dcid, b.dcid) && same(a.scid, b.scid) &&
         same(a.cookie, b.cookie) && a.params == b.params && a.reset_token == b.reset_token &&
         a.error_code == b.error_code && a.reason == b.reason;
}

size_t writeLong(std::span<uint8_t> out, const LongPacket& p, size_t pad_to) {
  switch (p.type) {
    case LongType::kHello:
      return PacketWriter::writeHello(out, p.dcid, p.scid, p.cookie, p.params, pad_to);
    case LongType::kCookie: return PacketWriter::writeCookie(out, p.dcid, p.scid, p.cookie);
    case LongType::kAccept:
      return PacketWriter::writeAccept(out, p.dcid, p.scid, p.params, p.reset_token);
    case LongType::kRefuse:
      return PacketWriter::writeRefuse(out, p.dcid, p.scid, static_cast<ErrorCode>(p.error_code),
                                       p.reason);
  }
  abort();
}

void checkLong(std::span<const uint8_t> datagram) {
  auto packet = PacketReader::decodeLong(datagram);
  auto lenient = PacketReader::decodeLongAnyParameters(datagram);
  if (packet) {
    check(PacketReader::isSimpleLongHeader(datagram));
    check(lenient.ok() && sameLong(*packet, *lenient));
    check(parametersInRange(packet->params));
  } else if (lenient) {
    // Only a parameter outside its limits separates the two.
    check(packet.error() == DecodeError::kFieldRange && !parametersInRange(lenient->params));
  }
  if (!packet) return;

  // Minimal varints never make a packet longer; a HELLO pads back to its original size.
  std::vector<uint8_t> first(datagram.size() + 64);
  const size_t n = writeLong(first, *packet, datagram.size());
  check(n > 0 && n <= datagram.size());
  if (packet->type == LongType::kHello) check(n == datagram.size());
  const std::span<const uint8_t> encoded(first.data(), n);
  auto again = PacketReader::decodeLong(encoded);
  check(again.ok() && sameLong(*packet, *again));

  std::vector<uint8_t> second(n);
  check(writeLong(second, *again, n) == n && same(encoded, second));
  // One byte less does not fit.
  check(writeLong(std::span(second).first(n - 1), *again, n) == 0);
}

bool sameFrame(const Frame& a, const Frame& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<AckFrame>(&a)) {
    const auto& y = std::get<AckFrame>(b);
    return x->ack_delay_us == y.ack_delay_us && x->range_count == y.range_count &&
           std::equal(x->ranges.begin(), x->ranges.begin() + x->range_count, y.ranges.begin());
  }
  if (const auto* x = std::get_if<StreamFrame>(&a)) {
    const auto& y = std::get<StreamFrame>(b);
    return x->offset == y.offset && x->fin == y.fin && same(x->data, y.data);
  }
  if (const auto* x = std::get_if<MaxDataFrame>(&a)) {
    return x->maximum == std::get<MaxDataFrame>(b).maximum;
  }
  if (const auto* x = std::get_if<CloseFrame>(&a)) {
    const auto& y = std::get<CloseFrame>(b);
    return x->error_code == y.error_code && x->reason == y.reason;
  }
  return true;  // PADDING, PING
}

// What the reader promises about a decoded frame.
void checkInvariants(const Frame& frame) {
  if (const auto* ack = std::get_if<AckFrame>(&frame)) {
    check(ack->range_count >= 1 && ack->range_count <= kMaxAckRanges + 1);
    for (size_t i = 0; i < ack->range_count; ++i) {
      check(ack->ranges[i].smallest <= ack->ranges[i].largest);
      check(ack->ranges[i].largest <= kMaxVarint);
      if (i > 0) check(ack->ranges[i].largest + 2 <= ack->ranges[i - 1].smallest);
    }
  }
  if (const auto* stream = std::get_if<StreamFrame>(&frame)) {
    check(stream->offset + stream->data.size() <= kMaxVarint);
  }
}

// A zero-length STREAM without FIN decodes, but the writer never produces one.
bool writable(const Frame& frame) {
  const auto* stream = std::get_if<StreamFrame>(&frame);
  return stream == nullptr || !stream->data.empty() || stream->fin;
}

// Appends `frame`; for STREAM, `data_taken` receives the bytes taken and `fin` the FIN.
bool writeFrame(PacketWriter& w, const Frame& frame, size_t* data_taken = nullptr,
                bool* fin = nullptr) {
  if (std::holds_alternative<PaddingFrame>(frame)) return w.padding(1);
  if (std::holds_alternative<PingFrame>(frame)) return w.ping();
  if (const auto* ack = std::get_if<AckFrame>(&frame)) {
    return w.ack(std::span(ack->ranges.data(), ack->range_count), ack->ack_delay_us);
  }
  if (const auto* stream = std::get_if<StreamFrame>(&frame)) {
    const iovec data[] = {{const_cast<uint8_t*>(stream->data.data()), stream->data.size()}};
    bool written_fin = false;
    const size_t taken =
        w.stream(stream->offset, data, stream->data.size(), stream->fin, &written_fin);
    if (data_taken != nullptr) *data_taken = taken;
    if (fin != nullptr) *fin = written_fin;
    return taken == stream->data.size() && written_fin == stream->fin;
  }
  if (const auto* max_data = std::get_if<MaxDataFrame>(&frame)) return w.maxData(max_data->maximum);
  const auto& close = std::get<CloseFrame>(frame);
  return w.close(static_cast<ErrorCode>(close.error_code), close.reason);
}

// The frame written into buffers too small for it: it either does not fit (nothing written)
// or, for ACK and STREAM, is cut to a prefix of its ranges or data.
void checkTight(std::span<const uint8_t> dcid, uint64_t packet_number, const Frame& frame,
                size_t full_size) {
  for (size_t room = 0; room < full_size && room < 48; room += 1 + room / 8) {
    std::vector<uint8_t> out(1 + dcid.size() + PacketWriter::varintSize(packet_number) + room);
    PacketWriter w(out, dcid, packet_number);
    check(w.ok() && w.remaining() == room);
    size_t taken = 0;
    bool fin = false;
    const bool whole = writeFrame(w, frame, &taken, &fin);
    check(w.size() <= out.size());
    // Less room than its minimal encoding: no frame fits whole. (ack() also returns true
    // when it wrote only some of the ranges.)
    check(!whole || std::holds_alternative<AckFrame>(frame));
    if (!w.hasFrames()) {
      check(w.size() == out.size() - room);
      continue;
    }
    auto reader = PacketReader::decodeShort(std::span(out).first(w.size()), dcid.size());
    check(reader.ok());
    auto got = reader->nextFrame();
    check(got.ok() && got->has_value());
    if (const auto* ack = std::get_if<AckFrame>(&frame)) {
      const auto& cut = std::get<AckFrame>(**got);
      check(cut.range_count >= 1 && cut.range_count < ack->range_count);
      check(cut.ack_delay_us == ack->ack_delay_us);
      check(std::equal(cut.ranges.begin(), cut.ranges.begin() + cut.range_count,
                       ack->ranges.begin()));
    } else if (const auto* stream = std::get_if<StreamFrame>(&frame)) {
      const auto& cut = std::get<StreamFrame>(**got);
      check(cut.offset == stream->offset && cut.data.size() == taken && cut.fin == fin);
      check(taken < stream->data.size() && !fin);
      check(same(cut.data, stream->data.first(taken)));
    } else {
      abort();  // other frames are all or nothing
    }
  }
}

void checkShort(std::span<const uint8_t> datagram, size_t dcid_length) {
  auto reader = PacketReader::decodeShort(datagram, dcid_length);
  if (!reader) return;
  check(reader->dcid().size() == dcid_length);
  std::vector<Frame> frames;
  std::vector<size_t> sizes;  // minimal wire size of each frame, as written again
  for (;;) {
    auto frame = reader->nextFrame();
    if (!frame) {
      // A failed call does not advance: the same error again.
      auto repeat = reader->nextFrame();
      check(!repeat.ok() && repeat.error() == frame.error());
      break;
    }
    if (!frame->has_value()) break;
    checkInvariants(**frame);
    frames.push_back(**frame);
  }

  // Every writable frame again, into a buffer the size of the original datagram: minimal
  // varints and one PADDING byte per run never take more room than the original.
  std::vector<uint8_t> out(datagram.size());
  PacketWriter w(out, reader->dcid(), reader->packetNumber());
  check(w.ok());
  std::vector<Frame> expected;
  for (const Frame& frame : frames) {
    if (!writable(frame)) continue;
    // With a frame left out, two PADDING runs meet and read back as one.
    if (std::holds_alternative<PaddingFrame>(frame) && !expected.empty() &&
        std::holds_alternative<PaddingFrame>(expected.back())) {
      continue;
    }
    const size_t size_before = w.size();
    check(writeFrame(w, frame));
    expected.push_back(frame);
    sizes.push_back(w.size() - size_before);
  }
  check(w.ackEliciting() == std::any_of(expected.begin(), expected.end(), [](const Frame& f) {
          return std::holds_alternative<PingFrame>(f) || std::holds_alternative<StreamFrame>(f) ||
                 std::holds_alternative<MaxDataFrame>(f);
        }));
  if (!w.hasFrames()) return;
  const std::span<const uint8_t> encoded(out.data(), w.size());
  auto again = PacketReader::decodeShort(encoded, dcid_length);
  check(again.ok() && same(again->dcid(), reader->dcid()) &&
        again->packetNumber() == reader->packetNumber());
  for (const Frame& frame : expected) {
    auto got = again->nextFrame();
    check(got.ok() && got->has_value() && sameFrame(frame, **got));
  }
  auto end = again->nextFrame();
  check(end.ok() && !end->has_value());

  // Each frame alone into buffers one byte too small and smaller (the first few frames).
  for (size_t i = 0; i < expected.size() && i < 4; ++i) {
    checkTight(reader->dcid(), reader->packetNumber(), expected[i], sizes[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  checkLong(input);
  checkShort(input, 0);
  checkShort(input, 16);
  (void)PacketReader::isSimpleLongHeader(input);
  return 0;
}
