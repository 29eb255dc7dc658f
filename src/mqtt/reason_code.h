// Reason codes the gateway sends or inspects (MQTT 5.0 §2.4, Table 2-6).
#pragma once

#include <cstdint>

namespace mqttd::mqtt::reason {

inline constexpr uint8_t kSuccess = 0x00;                 // also "normal disconnection"
inline constexpr uint8_t kGrantedQos1 = 0x01;             // SUBACK
inline constexpr uint8_t kGrantedQos2 = 0x02;             // SUBACK
inline constexpr uint8_t kNoMatchingSubscribers = 0x10;   // PUBACK/PUBREC
inline constexpr uint8_t kNoSubscriptionExisted = 0x11;   // UNSUBACK
inline constexpr uint8_t kContinueAuthentication = 0x18;  // AUTH
inline constexpr uint8_t kReAuthenticate = 0x19;          // AUTH
inline constexpr uint8_t kUnspecifiedError = 0x80;        // any
inline constexpr uint8_t kMalformedPacket = 0x81;         // CONNACK, DISCONNECT
inline constexpr uint8_t kProtocolError = 0x82;           // CONNACK, DISCONNECT
inline constexpr uint8_t kImplementationSpecific = 0x83;  // most packets
inline constexpr uint8_t kNotAuthorized = 0x87;           // CONNACK, acks, DISCONNECT
inline constexpr uint8_t kServerUnavailable = 0x88;       // CONNACK
inline constexpr uint8_t kServerBusy = 0x89;              // CONNACK, DISCONNECT
inline constexpr uint8_t kServerShuttingDown = 0x8B;      // DISCONNECT
inline constexpr uint8_t kKeepAliveTimeout = 0x8D;        // DISCONNECT
inline constexpr uint8_t kTopicNameInvalid = 0x90;        // CONNACK, PUBACK, DISCONNECT
inline constexpr uint8_t kPacketIdInUse = 0x91;           // acks
inline constexpr uint8_t kPacketIdNotFound = 0x92;        // PUBREL, PUBCOMP
inline constexpr uint8_t kReceiveMaximumExceeded = 0x93;  // DISCONNECT
inline constexpr uint8_t kTopicAliasInvalid = 0x94;       // DISCONNECT
inline constexpr uint8_t kPacketTooLarge = 0x95;          // CONNACK, DISCONNECT
inline constexpr uint8_t kQuotaExceeded = 0x97;           // many
inline constexpr uint8_t kPayloadFormatInvalid = 0x99;    // CONNACK, acks, DISCONNECT

}  // namespace mqttd::mqtt::reason
