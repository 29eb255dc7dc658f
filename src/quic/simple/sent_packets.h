// SentPackets: the ack-eliciting packets a simple-framing connection has in flight, with what
// they carried (§5.3), and loss detection after RFC 9002 §6: ACK processing with an RTT sample,
// packet threshold 3, time threshold 9/8, the loss timer, and the PTO with exponential backoff.
// It drives the RttEstimator and NewReno it borrows; its Listener learns which packets were
// acknowledged or lost. Records live in a ring in packet-number order: sending is amortised
// O(1), an ACK range costs a binary search plus the packets it newly acknowledges.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/result.h"
#include "quic/simple/new_reno.h"
#include "quic/simple/rtt_estimator.h"
#include "quic/simple/wire.h"

namespace mqttd::simple {

// What one ack-eliciting packet carried.
struct SentPacket {
  static constexpr size_t kMaxChunks = 4;  // STREAM frames per packet
  static constexpr uint64_t kNoAck = UINT64_MAX;
  struct Chunk {
    uint64_t offset = 0;  // stream offset
    uint64_t length = 0;  // bytes
  };
  enum class State : uint8_t { kInFlight, kAcked, kLost };

  uint64_t number = 0;
  uint64_t sent_ns = 0;           // monotonic ns
  uint64_t ack_largest = kNoAck;  // Largest Acknowledged of the ACK frame it carried
  uint32_t size = 0;              // datagram bytes
  uint8_t chunk_count = 0;        // used entries of chunks
  bool fin = false;               // STREAM_FIN (at the stream's end offset)
  bool max_data = false;          // a MAX_DATA frame
  bool ping = false;              // a PING frame (or a probe without stream data)
  State state = State::kInFlight;
  std::array<Chunk, kMaxChunks> chunks{};
};

class SentPackets {
 public:
  static constexpr size_t kMaxInFlight = 4096;     // §5.3, §8: packets tracked at most
  static constexpr uint64_t kPacketThreshold = 3;  // §5.3 fast retransmit
  static constexpr unsigned kMaxBackoffShift = 6;  // §5.3: backoff capped at 2^6

  class Listener {
   public:
    virtual void onPacketAcked(const SentPacket& packet) = 0;
    virtual void onPacketLost(const SentPacket& packet) = 0;

   protected:
    ~Listener() = default;
  };

  enum class AckError { kNeverSent };  // §4.1: acknowledges a number never sent
  enum class TimerAction { kNone, kLossDetected, kProbe };

  SentPackets(RttEstimator& rtt, NewReno& cc) : rtt_(rtt), cc_(cc) {}

  uint64_t nextNumber() const { return next_number_; }
  // Records an ack-eliciting packet numbered nextNumber().
  void onSent(const SentPacket& packet);
  // A packet that is not ack-eliciting (ACK, CLOSE) took nextNumber(); it is not tracked.
  void onSentUntracked() { ++next_number_; }
  // False when kMaxInFlight records are kept: only probes may go out.
  bool canTrackMore() const { return count_ < kMaxInFlight; }

  // Applies an ACK frame received at `now_ns`; true if it acknowledged a new packet.
  [[nodiscard]] Result<bool, AckError> onAck(const AckFrame& ack, uint64_t now_ns, Listener& l);
  // When onTimeout() must run (loss time or PTO); UINT64_MAX: no timer.
  uint64_t timerDeadlineNs() const;
  // Runs the timer: declares packets lost (time threshold) or asks for a probe (PTO).
  TimerAction onTimeout(uint64_t now_ns, Listener& l);

  size_t inFlightCount() const { return in_flight_; }  // ack-eliciting packets in flight
  size_t trackedCount() const { return count_; }       // records kept (some already settled)
  unsigned ptoCount() const { return pto_count_; }
  bool hasLargestAcked() const { return has_largest_acked_; }
  uint64_t largestAcked() const { return largest_acked_; }
  uint64_t persistentCongestions() const { return persistent_congestions_; }

 private:
  SentPacket& at(size_t i) { return ring_[(head_ + i) & (capacity_ - 1)]; }
  const SentPacket& at(size_t i) const { return ring_[(head_ + i) & (capacity_ - 1)]; }
  size_t lowerBound(uint64_t number) const;  // index of the first record numbered >= number
  void detectLoss(uint64_t now_ns, Listener& l);
  void popSettled();  // drops settled records at the front

  RttEstimator& rtt_;
  NewReno& cc_;
  std::unique_ptr<SentPacket[]> ring_;  // capacity_ records, a power of two
  size_t capacity_ = 0;
  size_t head_ = 0;           // ring index of the oldest record
  size_t count_ = 0;          // records, oldest first, ascending numbers
  size_t in_flight_ = 0;      // records in State::kInFlight
  uint64_t next_number_ = 0;  // §5.1: numbers from 0, never reused
  bool has_largest_acked_ = false;
  uint64_t largest_acked_ = 0;             // highest number the peer acknowledged
  uint64_t last_eliciting_sent_ns_ = 0;    // send time of the newest ack-eliciting packet
  uint64_t loss_time_ns_ = UINT64_MAX;     // RFC 9002 §6.1.2: earliest time-threshold loss
  unsigned pto_count_ = 0;                 // PTOs since the last new acknowledgement
  uint64_t first_sample_ns_ = UINT64_MAX;  // when the first RTT sample was taken (§7.6.2)
  uint64_t persistent_congestions_ = 0;
};

}  // namespace mqttd::simple
