// SendBuffer: bytes queued for a QUIC stream, in fixed blocks that never move, because ngtcp2
// keeps pointers to stream data until it is acknowledged (ngtcp2-0.12 notes, pitfall 7).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include <ngtcp2/ngtcp2.h>

namespace mqttd {

class SendBuffer {
 public:
  static constexpr size_t kBlockSize = 16 * 1024;  // bytes per block

  // Copies `data` to the end.
  void append(std::span<const uint8_t> data);
  // Up to `max` vectors covering the bytes not yet handed to the transport.
  size_t unsent(ngtcp2_vec* out, size_t max) const;
  // `n` more bytes were handed to the transport (they stay until acknowledged).
  void markSent(size_t n);
  // `n` bytes at the front were acknowledged: frees them.
  void acknowledge(size_t n);

  size_t unsentSize() const { return size_ - sent_; }
  // Everything held: sent-but-unacknowledged plus unsent.
  size_t size() const { return size_; }

 private:
  std::deque<std::unique_ptr<uint8_t[]>> blocks_;
  size_t head_ = 0;  // offset of the first held byte in blocks_.front()
  size_t size_ = 0;  // bytes held from head_ on
  size_t sent_ = 0;  // of those, bytes already handed to the transport
};

}  // namespace mqttd
