// CodecError: why an MQTT byte sequence could not be decoded or encoded.
#pragma once

#include <string_view>

namespace mqttd::mqtt {

enum class CodecError {
  kReservedPacketType,      // packet type 0 (reserved) in the fixed header [MQTT-2.1.2]
  kInvalidFlags,            // fixed-header or packet flag bits not allowed [MQTT-2.1.3-1]
  kInvalidQos,              // QoS 3 in PUBLISH, will or subscription options [MQTT-3.3.1-4]
  kVarIntTooLong,           // variable byte integer with a fifth byte (max 268,435,455) [1.5.5]
  kPacketTooLarge,          // fixed header + remaining length above the allowed maximum
  kTruncated,               // a field runs past the end of the packet (remaining length)
  kTrailingBytes,           // bytes left over after the last field of the packet
  kLengthMismatch,          // body size differs from the fixed header's remaining length
  kInvalidUtf8,             // string is not well-formed UTF-8 [MQTT-1.5.4-1]
  kNullCharacter,           // string contains U+0000 [MQTT-1.5.4-2]
  kStringTooLong,           // string or binary data longer than 65,535 bytes (encoder)
  kInvalidProtocolName,     // CONNECT protocol name not "MQTT" / "MQIsdp" [MQTT-3.1.2-1]
  kUnsupportedVersion,      // CONNECT protocol level not 3/4/5 or not matching the name
  kReservedFlagSet,         // a reserved bit in CONNECT/CONNACK/SUBSCRIBE flags is 1
  kInvalidWillFlags,        // will QoS/retain set without will flag [MQTT-3.1.2-11/13/15]
  kInvalidCredentialFlags,  // 3.1.1 password flag without username flag [MQTT-3.1.2-22]
  kInvalidPropertyId,       // unknown v5 property identifier (5.0 §2.2.2.2)
  kDuplicateProperty,       // property that may appear once appears twice (v5 §2.2.2.2)
  kPropertyNotAllowed,      // property not allowed in this packet type (Protocol Error)
  kInvalidPropertyValue,    // property value out of range (e.g. receive maximum 0, bool > 1)
  kInvalidTopicName,        // topic name empty or with wildcards [MQTT-3.3.2-2, 4.7.3-1]
  kInvalidTopicFilter,      // topic filter with misplaced '#' or '+' [MQTT-4.7.1-1/2]
  kZeroPacketId,            // packet identifier 0 where one is required [MQTT-2.3.1-1]
  kNoTopicFilters,          // SUBSCRIBE/UNSUBSCRIBE without any filter [MQTT-3.8.3-3]
  kInvalidOptions,          // subscription options: reserved bits / retain handling 3
  kInvalidReasonCode,       // reason/return code not allowed in this packet
  kNotInVersion,            // packet type does not exist in this protocol version (AUTH)
  kPacketTypeMismatch,      // decoder called with a header of another packet type
  kTopicAliasZero,          // PUBLISH Topic Alias 0 [MQTT-3.3.2-8]: DISCONNECT 0x94, not 0x81
};

std::string_view toString(CodecError error);

}  // namespace mqttd::mqtt
