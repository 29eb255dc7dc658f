// PacketReader: decodes simple-framing datagrams (docs/simple-framing.md §3, §4) without
// copying: long-header handshake packets whole, short-header packets as a header plus a frame
// iterator. Everything a peer can send decodes to a value or a DecodeError, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "core/result.h"
#include "quic/simple/wire.h"

namespace mqttd::simple {

struct PaddingFrame {};
struct PingFrame {};
struct MaxDataFrame {
  uint64_t maximum = 0;
};
using Frame = std::variant<PaddingFrame, PingFrame, AckFrame, StreamFrame, MaxDataFrame, CloseFrame>;

class PacketReader {
 public:
  // True if `datagram` starts with a long header of kVersion (cheap check for the Dispatcher).
  static bool isSimpleLongHeader(std::span<const uint8_t> datagram);

  // A whole long-header packet (§3.1). HELLO padding must be zero and the datagram at least
  // kMinHelloSize; other types must end exactly with their payload.
  static Result<LongPacket, DecodeError> decodeLong(std::span<const uint8_t> datagram);
  // Errors: byte 0 not a long header (form bit 0) -> kBadType; fixed bit 0 or low 4 bits not 0
  // -> kReservedBits; bytes after a COOKIE, ACCEPT or REFUSE payload, or non-zero HELLO padding
  // -> kFieldRange. All four types decode; whether one is expected in this direction is the
  // caller's check. A REFUSE or CLOSE reason is not checked for UTF-8.

  // As decodeLong, but a HELLO or ACCEPT parameter outside its §3.3 limits is no error: a server
  // must still read such a HELLO's CIDs and cookie to answer REFUSE PROTOCOL_VIOLATION (§3.3).
  // Check the parameters with parametersInRange().
  static Result<LongPacket, DecodeError> decodeLongAnyParameters(std::span<const uint8_t> datagram);

  // A short header whose DCID is `dcid_length` bytes (§3.2): on success, nextFrame() iterates
  // over the frame area.
  static Result<PacketReader, DecodeError> decodeShort(std::span<const uint8_t> datagram,
                                                       size_t dcid_length);
  // Errors: dcid_length above kMaxCidLength -> kCidTooLong; byte 0 not exactly 0x40 ->
  // kReservedBits (check a stateless reset's token, §7.4, before decoding); an empty frame area
  // -> kNoFrames. Frames are checked only as nextFrame() reaches them.

  std::span<const uint8_t> dcid() const { return dcid_; }
  uint64_t packetNumber() const { return packet_number_; }

  // The next frame of the packet; nullopt at the end. After an error, stop reading.
  // (A failed call does not advance: calling again returns the same error.) A run of PADDING
  // bytes comes back as one PaddingFrame.
  Result<std::optional<Frame>, DecodeError> nextFrame();

  // QUIC variable-length integer (RFC 9000 §16) at `in[pos]`; advances pos.
  static std::optional<uint64_t> readVarint(std::span<const uint8_t> in, size_t& pos);

 private:
  PacketReader() = default;

  std::span<const uint8_t> dcid_;
  uint64_t packet_number_ = 0;
  std::span<const uint8_t> frames_;  // the frame area
  size_t pos_ = 0;                   // next frame's offset in frames_
};

}  // namespace mqttd::simple
