#include "quic/simple/simple_connection.h"

#include <algorithm>
#include <array>
#include <string>
#include <variant>

#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd::simple {

namespace {

constexpr size_t kMaxIov = 16;  // SendBuffer blocks one STREAM frame may span
// RFC 9000 §13.2.4: a side that only sends ACKs never learns which of them arrived, so its
// ranges pile up to 64. From this many ranges on, an ACK-only packet carries a PING when
// nothing of ours is in flight; its acknowledgement lets us forget the ranges it acknowledged.
constexpr size_t kRangesBeforePing = 8;
// A CLOSE reason is cut to leave room for the header and the other fields.
constexpr size_t kCloseOverhead = 1 + 8 + 8;

}  // namespace

SimpleConnection::SimpleConnection(Stream& stream, Config config)
    : stream_(stream),
      config_(std::move(config)),
      cc_(config_.max_datagram),
      sent_(rtt_, cc_),
      reassembly_(config_.local_window),
      peer_limit_(config_.peer_window),
      advertised_(config_.local_window) {}

// --- receiving ---

Result<SimpleConnection::Received, SimpleConnection::Violation> SimpleConnection::onPacket(
    std::span<const uint8_t> datagram, uint64_t now_ns) {
  Received received;
  auto decoded = PacketReader::decodeShort(datagram, config_.local_cid_length);
  if (!decoded) {
    // §3.2: reserved bits set, no frames, or cut short: dropped, not a violation.
    ++stats_.packets_dropped;
    received.dropped = true;
    return received;
  }
  PacketReader& reader = *decoded;
  received.packet_number = reader.packetNumber();
  if (received_.isDuplicate(received.packet_number)) {
    // §5.1: processed at most once, acknowledged again.
    ++stats_.duplicates;
    received.duplicate = true;
    received_.onDuplicate(now_ns);
    return received;
  }
  auto applied = applyFrames(reader, now_ns);
  if (!applied) return fail(applied.error());
  if (applied->taken) {
    ++stats_.packets_received;
    received.newest = received_.onPacket(received.packet_number, applied->ack_eliciting, now_ns);
  } else {
    // Its frames are idempotent: what was applied stays, the rest comes again.
    ++stats_.packets_dropped;
    received.dropped = true;
  }
  reportAcked();
  updateCongestionStats();
  return received;
}

Result<SimpleConnection::Applied, SimpleConnection::Violation> SimpleConnection::applyFrames(
    PacketReader& reader, uint64_t now_ns) {
  Applied applied;
  for (;;) {
    auto next = reader.nextFrame();
    if (!next) {
      // §4: unknown frame type, truncated frame or field out of range.
      return fail(Violation{ErrorCode::kProtocolViolation,
                            "malformed frame: " + std::string(toString(next.error()))});
    }
    if (!next->has_value()) break;
    Frame& frame = **next;
    if (auto* close = std::get_if<CloseFrame>(&frame)) {
      // §4.4: the rest of the packet does not matter any more.
      if (!peer_closed_) {
        peer_closed_ = true;
        stream_.onPeerClose(close->error_code, close->reason);
      }
      break;
    }
    if (std::holds_alternative<PaddingFrame>(frame)) continue;
    if (!std::holds_alternative<AckFrame>(frame)) applied.ack_eliciting = true;  // §4 table
    if (closed()) continue;  // §7.4: after CLOSE only CLOSE matters
    if (auto* ack = std::get_if<AckFrame>(&frame)) {
      auto acked = sent_.onAck(*ack, now_ns, *this);
      if (!acked) {
        return fail(Violation{
            ErrorCode::kProtocolViolation,
            "ACK of packet " + std::to_string(ack->largest()) + ", which was never sent"});
      }
    } else if (auto* data = std::get_if<StreamFrame>(&frame)) {
      auto inserted = reassembly_.insert(data->offset, data->data, data->fin, advertised_, *this);
      if (!inserted) {
        const auto error = inserted.error();
        if (error == ReassemblyBuffer::Error::kTooFragmented) {
          applied.taken = false;  // not acknowledged: the peer sends it again
          continue;
        }
        const ErrorCode code = error == ReassemblyBuffer::Error::kBeyondLimit
                                   ? ErrorCode::kFlowControlError
                                   : ErrorCode::kProtocolViolation;
        return fail(Violation{code, std::string(ReassemblyBuffer::toString(error))});
      }
    } else if (auto* max_data = std::get_if<MaxDataFrame>(&frame)) {
      // §4.3: a smaller value than one already received is ignored.
      peer_limit_ = std::max(peer_limit_, max_data->maximum);
    }
    // PING: ack-eliciting, nothing else.
  }
  return applied;
}

void SimpleConnection::onData(std::span<const uint8_t> data, bool fin) {
  stream_.onStreamData(data, fin);
}

void SimpleConnection::consumed(size_t n) {
  consumed_ = std::min(consumed_ + n, reassembly_.delivered());
  // §5.4: MAX_DATA = consumed + W once that is at least W/2 beyond the last limit sent. After
  // the peer's FIN no more data comes, so the window need not move.
  const uint64_t window = config_.local_window;
  const uint64_t limit = consumed_ + window;
  if (!reassembly_.hasFinalSize() && limit >= advertised_ + window / 2) {
    advertised_ = limit;
    max_data_pending_ = true;
  }
}

// --- acknowledgements and losses (SentPackets::Listener) ---

void SimpleConnection::onPacketAcked(const SentPacket& packet) {
  for (size_t i = 0; i < packet.chunk_count; ++i) {
    const SentPacket::Chunk& c = packet.chunks[i];
    const uint64_t end = c.offset + c.length;
    if (end <= reported_acked_) continue;
    acked_.insert(std::max(c.offset, reported_acked_), end);
    lost_.erase(c.offset, end);
  }
  if (packet.fin) {
    fin_acked_ = true;
    fin_lost_ = false;
  }
  // RFC 9000 §13.2.4: the peer has our ACK up to this number; stop repeating those ranges.
  if (packet.ack_largest != SentPacket::kNoAck) received_.forgetUpTo(packet.ack_largest);
}

void SimpleConnection::onPacketLost(const SentPacket& packet) {
  ++stats_.packets_lost;
  // §5.3: lost stream bytes still unacknowledged are sent again with their offsets.
  const auto acked = acked_.ranges();
  for (size_t i = 0; i < packet.chunk_count; ++i) {
    const SentPacket::Chunk& c = packet.chunks[i];
    uint64_t pos = std::max(c.offset, reported_acked_);
    const uint64_t end = c.offset + c.length;
    // Walk the acknowledged ranges over [pos, end) and queue the holes between them.
    const RangeSet::Range* r = acked_.firstEndingAfter(pos);
    size_t k = r == nullptr ? acked.size() : static_cast<size_t>(r - acked.data());
    while (pos < end) {
      if (k == acked.size() || acked[k].begin >= end) {
        lost_.insert(pos, end);
        break;
      }
      if (acked[k].begin > pos) lost_.insert(pos, acked[k].begin);
      pos = acked[k].end;
      ++k;
    }
  }
  // §5.3: a lost FIN is sent again; a lost MAX_DATA is replaced by the current limit.
  if (packet.fin && !fin_acked_) fin_lost_ = true;
  if (packet.max_data && !reassembly_.hasFinalSize()) max_data_pending_ = true;
}

void SimpleConnection::reportAcked() {
  // Stream::onStreamAcked reports only the contiguous prefix (acked_ merges adjacent ranges,
  // so the prefix is its first range when that starts at reported_acked_).
  if (!acked_.empty() && acked_.front().begin == reported_acked_) {
    const uint64_t from = reported_acked_;
    reported_acked_ = acked_.front().end;
    acked_.eraseBelow(reported_acked_);
    stream_.onStreamAcked(from, reported_acked_ - from);
  }
  // The FIN counts once every byte before it is acknowledged too.
  if (fin_acked_ && !fin_reported_ && reported_acked_ == stream_.sendBuffer().endOffset()) {
    fin_reported_ = true;
    stream_.onFinAcked();
  }
}

// --- sending ---

bool SimpleConnection::finPending() const {
  return stream_.finRequested() && !fin_acked_ && (!fin_sent_ || fin_lost_);
}

size_t SimpleConnection::writePacket(std::span<uint8_t> out, uint64_t now_ns) {
  if (closed()) return 0;
  const uint64_t number = sent_.nextNumber();
  if (number > kMaxVarint) return 0;  // §5.1: numbers exhausted; the owner closes
  PacketWriter w(out.first(std::min(out.size(), config_.max_datagram)), config_.peer_cid, number);
  if (!w.ok()) return 0;
  SentPacket record;
  record.number = number;
  record.sent_ns = now_ns;

  // §5.2: an ACK when one is due, and on every packet that goes out anyway.
  const bool ack_due = received_.ackDue(now_ns);
  bool ack_written = false;
  if (received_.hasRanges()) {
    ack_written = w.ack(received_.ranges(), received_.ackDelayUs(now_ns));
  } else if (ack_due) {
    received_.onAckSent();  // everything it would acknowledge is forgotten already
  }

  const bool window_open = sent_.canTrackMore() && cc_.canSend(config_.max_datagram);
  if (probe_pending_) {
    // §5.3: one probe, regardless of the congestion window.
    probe_pending_ = false;
    writeProbe(w, record);
  } else if (window_open) {
    if (max_data_pending_ && w.maxData(advertised_)) {
      record.max_data = true;
      max_data_pending_ = false;
    }
    if (ping_pending_ && w.ping()) {
      record.ping = true;
      ping_pending_ = false;
    }
    writeStream(w, record);
  }
  if (!w.ackEliciting()) {
    if (!ack_written || !ack_due) return 0;
    if (received_.ranges().size() >= kRangesBeforePing && sent_.inFlightCount() == 0 &&
        window_open && w.ping()) {
      record.ping = true;
    }
  }

  if (ack_written) {
    record.ack_largest = received_.ranges()[0].largest;
    received_.onAckSent();
  }
  ++stats_.packets_sent;
  if (w.ackEliciting()) {
    record.size = static_cast<uint32_t>(w.size());
    sent_.onSent(record);
  } else {
    sent_.onSentUntracked();  // §5.2: ACK-only packets are not acknowledged nor resent
  }
  return w.size();
}

void SimpleConnection::writeStream(PacketWriter& w, SentPacket& record) {
  SendBuffer& buffer = stream_.sendBuffer();
  // §5.3: lost bytes first, lowest offset first.
  while (record.chunk_count < SentPacket::kMaxChunks && !lost_.empty()) {
    const RangeSet::Range r = lost_.front();
    if (resend(w, record, r.begin, r.end - r.begin) == 0 && !lost_.empty() && lost_.front() == r) {
      return;  // the packet is full
    }
  }
  // New bytes, below the peer's limit (§5.4).
  const uint64_t offset = buffer.sentOffset();
  if (record.chunk_count < SentPacket::kMaxChunks && buffer.unsentBytes() > 0 &&
      offset < peer_limit_) {
    std::array<iovec, kMaxIov> iov{};
    const size_t count = buffer.unsent(iov);
    const uint64_t max_len = std::min<uint64_t>(buffer.unsentBytes(), peer_limit_ - offset);
    const size_t n = writeChunk(w, record, offset, {iov.data(), count}, max_len);
    buffer.markSent(n);
    if (n < max_len) return;  // full (or blocked by the vectors)
  }
  // The FIN alone: every byte went out, but the FIN did not (or it was lost).
  if (finPending() && !record.fin && buffer.sentOffset() == buffer.endOffset() &&
      record.chunk_count < SentPacket::kMaxChunks) {
    (void)writeChunk(w, record, buffer.endOffset(), {}, 0);
  }
}

void SimpleConnection::writeProbe(PacketWriter& w, SentPacket& record) {
  // §5.3: the oldest unacknowledged stream bytes, else the unacknowledged FIN, else a PING.
  const SendBuffer& buffer = stream_.sendBuffer();
  const uint64_t begin = reported_acked_;
  const uint64_t end = acked_.empty() ? buffer.sentOffset() : acked_.front().begin;
  if (begin < end && resend(w, record, begin, end - begin) > 0) return;
  if (stream_.finRequested() && fin_sent_ && !fin_acked_ &&
      buffer.sentOffset() == buffer.endOffset()) {
    (void)writeChunk(w, record, buffer.endOffset(), {}, 0);
    if (record.fin) return;
  }
  if (w.ping()) record.ping = true;
}

size_t SimpleConnection::resend(PacketWriter& w, SentPacket& record, uint64_t offset,
                                uint64_t max_len) {
  const SendBuffer& buffer = stream_.sendBuffer();
  if (offset < buffer.ackedOffset()) {
    // The owner freed bytes we never reported acknowledged: nothing to resend there.
    const uint64_t skip = std::min(max_len, buffer.ackedOffset() - offset);
    lost_.erase(offset, offset + skip);
    offset += skip;
    max_len -= skip;
  }
  std::array<iovec, kMaxIov> iov{};
  const size_t count = buffer.range(offset, static_cast<size_t>(max_len), iov);
  if (count == 0) {
    // The owner freed these bytes: they were acknowledged after all. Nothing to resend.
    lost_.erase(offset, offset + max_len);
    return 0;
  }
  const size_t n = writeChunk(w, record, offset, {iov.data(), count}, max_len);
  if (n > 0) {
    lost_.erase(offset, offset + n);
    stats_.bytes_retransmitted += n;
  }
  return n;
}

size_t SimpleConnection::writeChunk(PacketWriter& w, SentPacket& record, uint64_t offset,
                                    std::span<const iovec> data, uint64_t max_len) {
  if (record.chunk_count == SentPacket::kMaxChunks) return 0;
  // The vectors may hold less than max_len (kMaxIov blocks at most).
  uint64_t available = 0;
  for (const iovec& v : data) available += v.iov_len;
  max_len = std::min(max_len, available);
  const SendBuffer& buffer = stream_.sendBuffer();
  // The FIN rides on any frame that reaches the end of a finished stream, until acknowledged.
  const bool fin = stream_.finRequested() && !fin_acked_ && offset + max_len == buffer.endOffset();
  bool fin_written = false;
  const size_t n = w.stream(offset, data, static_cast<size_t>(max_len), fin, &fin_written);
  if (n == 0 && !fin_written) return 0;
  if (n > 0) record.chunks[record.chunk_count++] = SentPacket::Chunk{offset, n};
  if (fin_written) {
    record.fin = true;
    fin_sent_ = true;
    fin_lost_ = false;
  }
  return n;
}

// --- timers ---

uint64_t SimpleConnection::nextTimeout() const {
  if (closed()) return UINT64_MAX;
  return std::min(received_.ackDeadlineNs(), sent_.timerDeadlineNs());
}

void SimpleConnection::onTimer(uint64_t now_ns) {
  if (closed() || sent_.timerDeadlineNs() > now_ns) return;
  // The ACK timer needs nothing here: writePacket() sends the ACK once it is due.
  if (sent_.onTimeout(now_ns, *this) == SentPackets::TimerAction::kProbe) {
    probe_pending_ = true;
    ++stats_.pto_count;
  }
  updateCongestionStats();
}

void SimpleConnection::updateCongestionStats() {
  stats_.congestion_events = cc_.congestionEvents();
  stats_.persistent_congestions = sent_.persistentCongestions();
}

void SimpleConnection::ping() {
  ping_pending_ = true;
}

size_t SimpleConnection::writeClose(std::span<uint8_t> out, ErrorCode code,
                                    std::string_view reason) {
  if (!closing_) {
    // §7.4: later calls answer with the same CLOSE.
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
  }
  const uint64_t number = sent_.nextNumber();
  if (number > kMaxVarint) return 0;
  const size_t size = std::min(out.size(), config_.max_datagram);
  PacketWriter w(out.first(size), config_.peer_cid, number);
  if (!w.ok()) return 0;
  std::string_view text = close_reason_;
  if (text.size() + kCloseOverhead > w.remaining()) {
    text = text.substr(0, w.remaining() > kCloseOverhead ? w.remaining() - kCloseOverhead : 0);
  }
  if (!w.close(close_code_, text)) return 0;
  sent_.onSentUntracked();
  ++stats_.packets_sent;
  return w.size();
}

// --- state ---

bool SimpleConnection::allAcknowledged() const {
  return reported_acked_ == stream_.sendBuffer().endOffset() &&
         (!stream_.finRequested() || fin_acked_);
}

bool SimpleConnection::hasUnsentData() const {
  return !lost_.empty() || stream_.sendBuffer().unsentBytes() > 0 || finPending();
}

uint64_t SimpleConnection::bytesInFlight() const {
  return cc_.bytesInFlight();
}
uint64_t SimpleConnection::congestionWindow() const {
  return cc_.window();
}
uint64_t SimpleConnection::smoothedRttNs() const {
  return rtt_.smoothedNs();
}
uint64_t SimpleConnection::probeTimeoutNs() const {
  return rtt_.probeTimeoutNs();
}

}  // namespace mqttd::simple
