#include "quic/simple/reassembly_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mqttd::simple {

namespace {

constexpr uint64_t kMaxStreamOffset = uint64_t{1} << 62;  // §4.2: Offset + Length <= 2^62
constexpr size_t kMinRing = 4096;                         // first ring allocation, bytes

// Copies `len` bytes to stream offset `offset` of a ring of `capacity` bytes, in at most two
// pieces (the ring wraps).
void copyToRing(uint8_t* ring, size_t capacity, uint64_t offset, const uint8_t* from, size_t len) {
  size_t pos = static_cast<size_t>(offset % capacity);
  while (len > 0) {
    const size_t n = std::min(len, capacity - pos);
    std::memcpy(ring + pos, from, n);
    from += n;
    len -= n;
    pos = 0;
  }
}

}  // namespace

std::string_view ReassemblyBuffer::toString(Error error) {
  switch (error) {
    case Error::kBeyondLimit: return "stream data beyond the flow-control limit";
    case Error::kBeyondFinalSize: return "stream data beyond the final size";
    case Error::kFinalSizeChanged: return "final size changed";
    case Error::kTooFragmented: return "too many holes in the stream";
  }
  return "unknown";
}

Result<void, ReassemblyBuffer::Error> ReassemblyBuffer::insert(uint64_t offset,
                                                               std::span<const uint8_t> data,
                                                               bool fin, uint64_t limit,
                                                               Sink& sink) {
  // All checks come before any change, so a refused frame leaves no trace.
  if (offset > kMaxStreamOffset || data.size() > kMaxStreamOffset - offset) {
    return fail(Error::kBeyondLimit);
  }
  const uint64_t end = offset + data.size();
  // §4.2, §5.4: within the advertised limit, which is never more than W past what we delivered.
  if (end > limit || end - std::min(end, delivered_) > window_) return fail(Error::kBeyondLimit);
  if (has_final_size_) {
    if (end > final_size_) return fail(Error::kBeyondFinalSize);
    if (fin && end != final_size_) return fail(Error::kFinalSizeChanged);
  } else if (fin && end < highest_) {
    return fail(Error::kFinalSizeChanged);  // RFC 9000 §4.5: below data already received
  }
  const bool early = offset > delivered_ && !data.empty();
  if (early && pending_.size() >= kMaxHoles) {
    // Only a new range (touching no kept range) adds a hole.
    const RangeSet::Range* next = pending_.firstEndingAfter(offset - 1);
    if (next == nullptr || next->begin > end) return fail(Error::kTooFragmented);
  }

  if (fin) {
    has_final_size_ = true;
    final_size_ = end;
  }
  highest_ = std::max(highest_, end);
  if (early) {
    // Out of order: keep it until the hole below is filled.
    if (capacity_ < end - delivered_) grow(end - delivered_);
    copyToRing(ring_.get(), capacity_, offset, data.data(), data.size());
    pending_.insert(offset, end);
  } else if (offset <= delivered_ && end > delivered_) {
    // In order: straight from the datagram, skipping bytes already delivered.
    const auto fresh = data.subspan(static_cast<size_t>(delivered_ - offset));
    delivered_ = end;
    pending_.eraseBelow(delivered_);
    const bool last = has_final_size_ && delivered_ == final_size_;
    if (last) fin_delivered_ = true;
    sink.onData(fresh, last);
    deliverPending(sink);
  }
  finishIfComplete(sink);
  return {};
}

void ReassemblyBuffer::grow(uint64_t needed) {
  assert(needed <= window_);
  uint64_t size = std::max<uint64_t>(capacity_ * 2, kMinRing);
  while (size < needed) size *= 2;
  size = std::max(std::min(size, window_), needed);
  auto ring = std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(size));
  // Move the kept bytes to their places in the new ring.
  for (const RangeSet::Range& r : pending_.ranges()) {
    for (uint64_t o = r.begin; o < r.end;) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(r.end - o, capacity_ - o % capacity_));
      copyToRing(ring.get(), static_cast<size_t>(size), o, ring_.get() + o % capacity_, n);
      o += n;
    }
  }
  ring_ = std::move(ring);
  capacity_ = static_cast<size_t>(size);
}

void ReassemblyBuffer::deliverPending(Sink& sink) {
  if (pending_.empty() || pending_.front().begin > delivered_) {
    if (pending_.empty() && ring_) {
      // Nothing waits: give the memory back (idle connections keep no ring).
      ring_.reset();
      capacity_ = 0;
    }
    return;
  }
  // Ranges do not touch, so only the front one can follow delivered_.
  const uint64_t end = pending_.front().end;
  pending_.eraseBelow(end);
  while (delivered_ < end) {
    const size_t pos = static_cast<size_t>(delivered_ % capacity_);
    const size_t n = static_cast<size_t>(std::min<uint64_t>(end - delivered_, capacity_ - pos));
    delivered_ += n;
    const bool last = has_final_size_ && delivered_ == final_size_;
    if (last) fin_delivered_ = true;
    sink.onData({ring_.get() + pos, n}, last);
  }
  if (pending_.empty()) {
    ring_.reset();
    capacity_ = 0;
  }
}

void ReassemblyBuffer::finishIfComplete(Sink& sink) {
  if (has_final_size_ && !fin_delivered_ && delivered_ == final_size_) {
    fin_delivered_ = true;
    sink.onData({}, true);
  }
}

}  // namespace mqttd::simple
