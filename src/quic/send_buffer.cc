#include "quic/send_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mqttd {

void SendBuffer::append(std::span<const uint8_t> data) {
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t end = head_ + size_;  // absolute offset of the end in the block list
    const size_t in_block = end % kBlockSize;
    if (end == blocks_.size() * kBlockSize) blocks_.push_back(std::make_unique<uint8_t[]>(kBlockSize));
    const size_t n = std::min(kBlockSize - in_block, data.size() - pos);
    std::memcpy(blocks_[end / kBlockSize].get() + in_block, data.data() + pos, n);
    pos += n;
    size_ += n;
  }
}

size_t SendBuffer::unsent(ngtcp2_vec* out, size_t max) const {
  size_t count = 0;
  size_t offset = head_ + sent_;
  const size_t end = head_ + size_;
  while (offset < end && count < max) {
    const size_t in_block = offset % kBlockSize;
    const size_t n = std::min(kBlockSize - in_block, end - offset);
    out[count].base = blocks_[offset / kBlockSize].get() + in_block;
    out[count].len = n;
    ++count;
    offset += n;
  }
  return count;
}

void SendBuffer::markSent(size_t n) {
  assert(sent_ + n <= size_);
  sent_ += n;
}

void SendBuffer::acknowledge(size_t n) {
  n = std::min(n, sent_);
  head_ += n;
  size_ -= n;
  sent_ -= n;
  while (head_ >= kBlockSize) {
    blocks_.pop_front();
    head_ -= kBlockSize;
  }
  if (size_ == 0 && !blocks_.empty()) {
    // Keep one block for reuse; restart at its beginning.
    while (blocks_.size() > 1) blocks_.pop_back();
    head_ = 0;
  }
}

}  // namespace mqttd
