#include "quic/send_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mqttd {

SendBuffer::SendBuffer(size_t block_size) : block_size_(block_size) { assert(block_size > 0); }

void SendBuffer::append(std::span<const uint8_t> data) {
  while (!data.empty()) {
    if (blocks_.empty() || blocks_.back().used == block_size_) {
      blocks_.push_back(Block{std::make_unique<uint8_t[]>(block_size_), end_, 0});
    }
    Block& b = blocks_.back();
    const size_t n = std::min(data.size(), block_size_ - b.used);
    std::memcpy(b.data.get() + b.used, data.data(), n);
    b.used += n;
    end_ += n;
    data = data.subspan(n);
  }
}

size_t SendBuffer::unsent(std::span<iovec> out) const {
  size_t count = 0;
  for (const Block& b : blocks_) {
    if (count == out.size()) break;
    const uint64_t block_end = b.offset + b.used;
    if (block_end <= sent_) continue;
    const size_t skip = sent_ > b.offset ? static_cast<size_t>(sent_ - b.offset) : 0;
    out[count++] = iovec{b.data.get() + skip, b.used - skip};
  }
  return count;
}

size_t SendBuffer::range(uint64_t offset, size_t len, std::span<iovec> out) const {
  const uint64_t begin = std::max(offset, acked_);
  const uint64_t end = std::min(offset + len, sent_);
  size_t count = 0;
  for (const Block& b : blocks_) {
    if (count == out.size() || b.offset >= end) break;
    const uint64_t block_end = b.offset + b.used;
    if (block_end <= begin) continue;
    const uint64_t from = std::max(begin, b.offset);
    const uint64_t to = std::min(end, block_end);
    out[count++] = iovec{b.data.get() + (from - b.offset), static_cast<size_t>(to - from)};
  }
  return count;
}

void SendBuffer::markSent(size_t n) {
  assert(n <= unsentBytes());
  sent_ += n;
}

bool SendBuffer::ack(uint64_t offset, uint64_t len) {
  if (offset != acked_ || offset + len > sent_) return false;
  acked_ += len;
  // Free every block wholly below the ack offset. The last block may be partly filled; if it
  // is fully acked it goes too and the next append() starts a fresh block at endOffset().
  while (!blocks_.empty() && blocks_.front().offset + blocks_.front().used <= acked_) {
    blocks_.pop_front();
  }
  return true;
}

}  // namespace mqttd
