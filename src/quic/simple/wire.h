// The simple framing's wire vocabulary (docs/simple-framing.md): constants, packet and frame
// types, error codes, and the decoded forms that PacketReader produces and PacketWriter takes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mqttd::simple {

inline constexpr uint32_t kVersion = 0x6d716631;       // "mqf1" (§2)
inline constexpr size_t kMaxCidLength = 20;             // §3.1
inline constexpr size_t kMinInitialDcidLength = 8;      // the client's initial DCID (§7.1)
inline constexpr size_t kMinHelloSize = 128;            // UDP payload of a HELLO, at least (§3.1)
inline constexpr size_t kMaxCookieLength = 64;          // §3.1
inline constexpr size_t kResetTokenLength = 16;         // §3.1 ACCEPT
inline constexpr size_t kMaxAckRanges = 64;             // (Gap, Length) pairs per ACK (§4.1)
inline constexpr uint64_t kMaxVarint = (uint64_t{1} << 62) - 1;  // §2
inline constexpr uint64_t kMinMaxDatagram = 256;        // §3.3
inline constexpr uint64_t kMaxMaxDatagram = 65527;      // §3.3
inline constexpr uint64_t kMinStreamWindow = 1024;      // §3.3
inline constexpr uint64_t kMaxStreamWindow = uint64_t{1} << 32;  // §3.3
inline constexpr uint64_t kMaxIdleTimeoutMs = 86'400'000;        // §3.3
inline constexpr uint64_t kMaxAckDelayMs = 10;          // §5.2

// Long header packet types (§3.1, the TT bits).
enum class LongType : uint8_t {
  kHello = 0,   // client: open (with or without a cookie)
  kCookie = 1,  // server: stateless answer to a HELLO without a valid cookie
  kAccept = 2,  // server: connection created
  kRefuse = 3,  // server: no connection (error code, reason)
};

// Frame types (§4).
enum class FrameType : uint8_t {
  kPadding = 0x00,    // one byte, ignored
  kPing = 0x01,       // ack-eliciting, no fields
  kAck = 0x02,        // acknowledged packet number ranges
  kStream = 0x08,     // stream data
  kStreamFin = 0x09,  // stream data ending the stream
  kMaxData = 0x10,    // flow-control limit
  kClose = 0x1c,      // connection close
};

// Error codes (§6).
enum class ErrorCode : uint64_t {
  kNoError = 0x00,            // orderly close
  kInternalError = 0x01,      // the sender failed
  kConnectionRefused = 0x02,  // limit reached or draining
  kFlowControlError = 0x03,   // data past the advertised limit
  kProtocolViolation = 0x0a,  // malformed packet or frame
  kUpstreamLost = 0x100,      // the gateway's broker connection was refused or lost
};
std::string_view toString(ErrorCode code);  // "NO_ERROR", ...; unknown -> "INTERNAL_ERROR"

// §3.3, in wire order.
struct Parameters {
  uint64_t max_datagram = 1200;     // bytes, kMinMaxDatagram..kMaxMaxDatagram
  uint64_t stream_window = 65536;   // bytes, kMinStreamWindow..kMaxStreamWindow
  uint64_t idle_timeout_ms = 30000;  // 0: none; ..kMaxIdleTimeoutMs
  bool operator==(const Parameters&) const = default;
};
// True if every field is inside its §3.3 limits.
[[nodiscard]] bool parametersInRange(const Parameters& params);

// A decoded long-header packet; spans point into the datagram.
struct LongPacket {
  LongType type = LongType::kHello;
  std::span<const uint8_t> dcid;
  std::span<const uint8_t> scid;
  std::span<const uint8_t> cookie;  // HELLO (may be empty), COOKIE
  Parameters params;                // HELLO, ACCEPT
  std::array<uint8_t, kResetTokenLength> reset_token{};  // ACCEPT
  uint64_t error_code = 0;          // REFUSE
  std::string_view reason;          // REFUSE
};

// Inclusive range of packet numbers.
struct AckRange {
  uint64_t smallest = 0;
  uint64_t largest = 0;
  bool operator==(const AckRange&) const = default;
};

// ACK frame (§4.1), decoded to absolute ranges: ranges[0] holds Largest Acknowledged, the rest
// follow in descending order, disjoint and non-adjacent.
struct AckFrame {
  uint64_t ack_delay_us = 0;
  size_t range_count = 0;  // 1..kMaxAckRanges + 1 used entries
  std::array<AckRange, kMaxAckRanges + 1> ranges{};
  uint64_t largest() const { return ranges[0].largest; }
};

struct StreamFrame {
  uint64_t offset = 0;
  std::span<const uint8_t> data;  // points into the datagram
  bool fin = false;               // STREAM_FIN: the stream ends at offset + data.size()
};

struct CloseFrame {
  uint64_t error_code = 0;
  std::string_view reason;  // points into the datagram
};

// Why a datagram or frame did not decode.
enum class DecodeError {
  kTruncated,        // a field runs past the end
  kReservedBits,     // reserved header bits are not 0
  kWrongVersion,     // long header with another version
  kCidTooLong,       // CID length above kMaxCidLength
  kBadType,          // long type not valid in this direction
  kUnknownFrame,     // frame type not in §4
  kFieldRange,       // a field outside its limits (parameters, offsets, cookie length)
  kTooManyRanges,    // ACK Range Count above kMaxAckRanges
  kBadAckRange,      // an ACK range below packet number 0
  kNoFrames,         // a short-header packet without frames
  kTooShort,         // HELLO below kMinHelloSize
};
std::string_view toString(DecodeError error);

}  // namespace mqttd::simple
