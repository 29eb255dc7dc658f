// PacketWriter: builds simple-framing packets (docs/simple-framing.md §3, §4) into a caller's
// buffer. Handshake packets are written whole by the static functions; a short-header packet
// is started with shortHeader() and frames are appended while they fit.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "quic/simple/wire.h"

namespace mqttd::simple {

class PacketWriter {
 public:
  // Each returns the bytes written, 0 if `out` is too small or an argument breaks a limit.
  // HELLO is padded with zeros to max(kMinHelloSize, pad_to).
  static size_t writeHello(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                           std::span<const uint8_t> scid, std::span<const uint8_t> cookie,
                           const Parameters& params, size_t pad_to = kMinHelloSize);
  static size_t writeCookie(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                            std::span<const uint8_t> scid, std::span<const uint8_t> cookie);
  static size_t writeAccept(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                            std::span<const uint8_t> scid, const Parameters& params,
                            std::span<const uint8_t, kResetTokenLength> reset_token);
  static size_t writeRefuse(std::span<uint8_t> out, std::span<const uint8_t> dcid,
                            std::span<const uint8_t> scid, ErrorCode code,
                            std::string_view reason);

  // Starts a short-header packet in `out`. Check ok(): false if even the header does not fit.
  PacketWriter(std::span<uint8_t> out, std::span<const uint8_t> dcid, uint64_t packet_number);

  bool ok() const { return ok_; }
  size_t size() const { return pos_; }                  // bytes written so far
  size_t remaining() const { return out_.size() - pos_; }
  bool hasFrames() const { return frames_ > 0; }
  bool ackEliciting() const { return ack_eliciting_; }

  // Each appends one frame; false (nothing written) if it does not fit.
  bool ping();
  bool padding(size_t n);  // n PADDING bytes
  bool maxData(uint64_t maximum);
  bool close(ErrorCode code, std::string_view reason);
  // ACK of `ranges` (descending, disjoint, non-adjacent; ranges[0] holds the largest). Writes
  // as many ranges as fit (at least the first, at most kMaxAckRanges + 1); false if none fit.
  bool ack(std::span<const AckRange> ranges, uint64_t ack_delay_us);
  // STREAM (or STREAM_FIN when `fin` and all of `data` fits) at `offset`, taking as many bytes
  // of `data` (gathered from the iovecs, at most `max_len`) as fit. Returns the bytes of data
  // taken; sets *fin_written. Writes nothing and returns 0 unless at least one byte, or a bare
  // FIN (max_len 0 and fin), fits.
  size_t stream(uint64_t offset, std::span<const iovec> data, size_t max_len, bool fin,
                bool* fin_written);

  // Bytes a varint of `value` needs (1, 2, 4 or 8).
  static size_t varintSize(uint64_t value);
  // Writes `value` as a varint at out[pos]; false if it does not fit or value > kMaxVarint.
  static bool writeVarint(std::span<uint8_t> out, size_t& pos, uint64_t value);

 private:
  std::span<uint8_t> out_;
  size_t pos_ = 0;
  size_t frames_ = 0;
  bool ok_ = false;
  bool ack_eliciting_ = false;
};

}  // namespace mqttd::simple
