// ReassemblyBuffer: the receiving side of the simple framing's stream (docs/simple-framing.md
// §4.2, §5.4, §5.5). Data that arrives in order goes straight from the datagram to the Sink;
// data that arrives early is kept in a ring of at most the stream window until the hole before
// it is filled. Each byte reaches the Sink once, in order, and the end of the stream once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/result.h"
#include "quic/simple/range_set.h"

namespace mqttd::simple {

class ReassemblyBuffer {
 public:
  // Where the bytes go, in order. `fin` comes with the last byte (or alone, with no data).
  class Sink {
   public:
    virtual void onData(std::span<const uint8_t> data, bool fin) = 0;

   protected:
    ~Sink() = default;
  };

  enum class Error {
    kBeyondLimit,       // §4.2: past the advertised limit or 2^62: FLOW_CONTROL_ERROR
    kBeyondFinalSize,   // §4.2: data past the final size: PROTOCOL_VIOLATION
    kFinalSizeChanged,  // §4.2: another final size, or one below data received: PROTOCOL_VIOLATION
    kTooFragmented,     // more than kMaxHoles ranges waiting: drop the packet, do not ack it
  };
  static std::string_view toString(Error error);

  // Ranges of early data kept at most: a peer cannot make us track one range per byte. An
  // honest sender makes one range per lost packet of a window.
  static constexpr size_t kMaxHoles = 1024;

  // `window`: our Stream Window W (§5.4), bytes; early data never lies more than W beyond the
  // delivered offset, so the ring never exceeds W.
  explicit ReassemblyBuffer(uint64_t window) : window_(window) {}

  // Stream data at `offset`; `fin` for STREAM_FIN. `limit` is the flow-control limit we have
  // advertised (data must end at or below it). Delivers what became contiguous.
  [[nodiscard]] Result<void, Error> insert(uint64_t offset, std::span<const uint8_t> data, bool fin,
                                           uint64_t limit, Sink& sink);

  uint64_t delivered() const { return delivered_; }  // bytes passed to the Sink
  bool finDelivered() const { return fin_delivered_; }
  bool hasFinalSize() const { return has_final_size_; }
  uint64_t finalSize() const { return final_size_; }     // valid if hasFinalSize()
  uint64_t highestReceived() const { return highest_; }  // end of the highest byte received
  uint64_t bufferedBytes() const { return pending_.totalBytes(); }
  size_t holes() const { return pending_.size(); }
  size_t capacity() const { return capacity_; }  // ring bytes allocated

 private:
  void store(uint64_t offset, std::span<const uint8_t> data);
  void grow(uint64_t needed);
  // Passes the pending bytes that now follow delivered_ to the Sink.
  void deliverPending(Sink& sink);
  void finishIfComplete(Sink& sink);

  uint64_t window_;          // W, bytes
  uint64_t delivered_ = 0;   // stream offset of the next byte for the Sink
  uint64_t highest_ = 0;     // end offset of the highest data received
  uint64_t final_size_ = 0;  // §4.2: fixed by the first STREAM_FIN
  bool has_final_size_ = false;
  bool fin_delivered_ = false;
  RangeSet pending_;                 // offsets above delivered_ held in ring_
  std::unique_ptr<uint8_t[]> ring_;  // byte at stream offset o lives at ring_[o % capacity_]
  size_t capacity_ = 0;              // ring bytes, <= max(window_, kMinRing)
};

}  // namespace mqttd::simple
