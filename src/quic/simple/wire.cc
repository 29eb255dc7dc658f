#include "quic/simple/wire.h"

namespace mqttd::simple {

std::string_view toString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNoError: return "NO_ERROR";
    case ErrorCode::kInternalError: return "INTERNAL_ERROR";
    case ErrorCode::kConnectionRefused: return "CONNECTION_REFUSED";
    case ErrorCode::kFlowControlError: return "FLOW_CONTROL_ERROR";
    case ErrorCode::kProtocolViolation: return "PROTOCOL_VIOLATION";
    case ErrorCode::kUpstreamLost: return "UPSTREAM_LOST";
  }
  // §6: receivers treat unknown codes as INTERNAL_ERROR.
  return "INTERNAL_ERROR";
}

bool parametersInRange(const Parameters& params) {
  // §3.3
  return params.max_datagram >= kMinMaxDatagram && params.max_datagram <= kMaxMaxDatagram &&
         params.stream_window >= kMinStreamWindow && params.stream_window <= kMaxStreamWindow &&
         params.idle_timeout_ms <= kMaxIdleTimeoutMs;
}

std::string_view toString(DecodeError error) {
  switch (error) {
    case DecodeError::kTruncated: return "truncated field";
    case DecodeError::kReservedBits: return "reserved header bits set";
    case DecodeError::kWrongVersion: return "wrong version";
    case DecodeError::kCidTooLong: return "connection ID too long";
    case DecodeError::kBadType: return "unexpected packet type";
    case DecodeError::kUnknownFrame: return "unknown frame type";
    case DecodeError::kFieldRange: return "field out of range";
    case DecodeError::kTooManyRanges: return "too many ACK ranges";
    case DecodeError::kBadAckRange: return "ACK range below 0";
    case DecodeError::kNoFrames: return "packet without frames";
    case DecodeError::kTooShort: return "HELLO too short";
  }
  return "unknown decode error";
}

}  // namespace mqttd::simple
