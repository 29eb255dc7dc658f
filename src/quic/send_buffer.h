// SendBuffer: stream bytes kept at stable addresses from write() until the peer acknowledges
// them. ngtcp2_conn_writev_stream does not copy stream data and retransmits from our memory
// (ngtcp2-0.12-notes pitfall 7), so an evbuffer (which moves and coalesces chains) will not do.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>

#include <ngtcp2/ngtcp2.h>

namespace mqttd {

// unsent() fills iovecs that callers hand to ngtcp2 as ngtcp2_vec: same layout.
static_assert(sizeof(iovec) == sizeof(ngtcp2_vec) && offsetof(iovec, iov_len) == offsetof(ngtcp2_vec, len));

class SendBuffer {
 public:
  // `block_size`: bytes per block, > 0; each block is allocated once and never moves.
  explicit SendBuffer(size_t block_size = 16 * 1024);

  // Copies `data` to the end of the stream.
  void append(std::span<const uint8_t> data);

  // Fills `out` with the not-yet-sent bytes (from the send offset on); returns how many
  // entries were used. The memory stays valid until ack() covers it.
  size_t unsent(std::span<iovec> out) const;
  // Fills `out` with the kept bytes of [offset, offset + len), for a retransmission (the
  // simple framer resends lost ranges itself); returns how many entries were used. The range
  // must lie within [ackedOffset(), sentOffset()); bytes outside it are left out.
  size_t range(uint64_t offset, size_t len, std::span<iovec> out) const;
  // The transport handed `n` more bytes to the wire; n <= unsentBytes().
  void markSent(size_t n);
  // The peer acknowledged [offset, offset + len). Acks arrive in order from offset 0
  // (ngtcp2 acked_stream_data_offset guarantee); false if `offset` is not the ack offset or
  // the range runs past what was sent, which is a caller bug or a broken peer.
  [[nodiscard]] bool ack(uint64_t offset, uint64_t len);
  // Everything not acknowledged counts as unsent again (0-RTT data the server rejected is
  // resent on a new stream, RFC 9001 §4.6.2).
  void rewindToAcked() { sent_ = acked_; }

  uint64_t ackedOffset() const { return acked_; }   // stream offset of the first kept byte
  uint64_t sentOffset() const { return sent_; }     // stream offset of the first unsent byte
  uint64_t endOffset() const { return end_; }       // stream offset after the last byte
  size_t unsentBytes() const { return static_cast<size_t>(end_ - sent_); }
  size_t unackedBytes() const { return static_cast<size_t>(end_ - acked_); }
  size_t blockCount() const { return blocks_.size(); }

 private:
  struct Block {
    std::unique_ptr<uint8_t[]> data;
    uint64_t offset = 0;  // stream offset of data[0]
    size_t used = 0;      // bytes filled, 0..block_size_
  };

  size_t block_size_;
  std::deque<Block> blocks_;  // in stream order; the front holds ackedOffset()
  uint64_t acked_ = 0;        // bytes acknowledged (freed)
  uint64_t sent_ = 0;         // bytes handed to the transport at least once
  uint64_t end_ = 0;          // bytes appended
};

}  // namespace mqttd
