#include "mqtt/codec_error.h"

namespace mqttd::mqtt {

std::string_view toString(CodecError error) {
  switch (error) {
    case CodecError::kReservedPacketType: return "reserved packet type";
    case CodecError::kInvalidFlags: return "invalid flags";
    case CodecError::kInvalidQos: return "invalid QoS";
    case CodecError::kVarIntTooLong: return "variable byte integer too long";
    case CodecError::kPacketTooLarge: return "packet too large";
    case CodecError::kTruncated: return "truncated field";
    case CodecError::kTrailingBytes: return "trailing bytes";
    case CodecError::kLengthMismatch: return "body length mismatch";
    case CodecError::kInvalidUtf8: return "invalid UTF-8";
    case CodecError::kNullCharacter: return "U+0000 in string";
    case CodecError::kStringTooLong: return "string too long";
    case CodecError::kInvalidProtocolName: return "invalid protocol name";
    case CodecError::kUnsupportedVersion: return "unsupported protocol version";
    case CodecError::kReservedFlagSet: return "reserved flag set";
    case CodecError::kInvalidWillFlags: return "invalid will flags";
    case CodecError::kInvalidCredentialFlags: return "password without username";
    case CodecError::kInvalidPropertyId: return "invalid property identifier";
    case CodecError::kDuplicateProperty: return "duplicate property";
    case CodecError::kPropertyNotAllowed: return "property not allowed in packet";
    case CodecError::kInvalidPropertyValue: return "invalid property value";
    case CodecError::kTopicAliasZero: return "topic alias 0 [MQTT-3.3.2-8]";
    case CodecError::kInvalidTopicName: return "invalid topic name";
    case CodecError::kInvalidTopicFilter: return "invalid topic filter";
    case CodecError::kZeroPacketId: return "packet identifier 0";
    case CodecError::kNoTopicFilters: return "no topic filters";
    case CodecError::kInvalidOptions: return "invalid subscription options";
    case CodecError::kInvalidReasonCode: return "invalid reason code";
    case CodecError::kNotInVersion: return "packet not in protocol version";
    case CodecError::kPacketTypeMismatch: return "packet type mismatch";
  }
  return "unknown codec error";
}

}  // namespace mqttd::mqtt
