// MqttTap: parses the client -> broker byte stream packet by packet on its way through.
// Control packets are assembled and fully validated before a byte of them is forwarded;
// PUBLISH headers are validated and the payload then streams through without being buffered,
// so memory per connection stays bounded while a 10 MB message passes.
//
// Local routing: at each PUBLISH header the tap asks on_publish what to do with the message
// (forward, keep local, drop) and whether to capture a copy; it then forwards or swallows the
// packet, answers what the broker will not see itself (PUBACK, PUBREC, and PUBCOMP for the PUBREL
// of a message it kept) through on_reply, and hands captured messages to on_captured. MQTT 5
// topic aliases are resolved first, so routes always see the real topic.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "mqtt/codec_error.h"
#include "mqtt/fixed_header.h"
#include "mqtt/packet_type.h"
#include "mqtt/publish_header.h"
#include "splice/topic_aliases.h"

struct evbuffer;

namespace mqttd {

struct TapError {
  enum class Kind {
    kMalformed,          // a packet that does not decode (see codec)
    kTooLarge,           // a packet above the configured maximum size
    kProtocolViolation,  // packet order broken, e.g. no CONNECT first [MQTT-3.1.0-1]
    kTopicAliasInvalid,  // 5.0: alias 0, unknown, or too many alias bytes (DISCONNECT 0x94)
    kRefused,            // a route refused a 3.1.1 PUBLISH with on_drop: disconnect
  };
  Kind kind;
  std::string detail;  // human-readable, for the log
};

// What happens to one PUBLISH (the Splice asks its RouteTable).
struct PublishVerdict {
  enum class Disposition {
    kForward,         // to the broker
    kLocal,           // not to the broker; the gateway acks it (QoS 1 PUBACK, QoS 2 PUBREC/PUBCOMP)
    kDrop,            // not to the broker; v5 acks with 0x87 Not authorized, 3.1.1 as if delivered
    kDropDisconnect,  // not to the broker; 3.1.1: close the connection (v5 is acked as kDrop)
  };
  Disposition disposition = Disposition::kForward;
  bool capture = false;  // hand the whole message to on_captured
};

// A PUBLISH as the route layer sees it.
struct PublishInfo {
  std::string_view topic;  // aliases resolved
  uint8_t qos = 0;
  bool retain = false;
};

class MqttTap {
 public:
  explicit MqttTap(uint32_t max_packet_size)
      : max_packet_size_(max_packet_size), aliases_(max_packet_size) {}

  // Consumes bytes from `in` and appends what may be forwarded to `out` (nullptr: drop them).
  // Returns how many bytes of `in` were consumed (all of them unless an error occurred).
  Result<size_t, TapError> process(std::span<const uint8_t> in, evbuffer* out);

  // Called once per packet when its type is known (for metrics).
  std::function<void(mqtt::PacketType)> on_packet;
  // At every PUBLISH header; unset: forward everything, capture nothing.
  std::function<PublishVerdict(const PublishInfo&)> on_publish;
  // A captured message is complete (its payload, whole).
  std::function<void(const PublishInfo&, std::string payload)> on_captured;
  // A packet the gateway itself sends to the client (acks); the Splice queues it for the next
  // packet boundary of the broker -> client stream.
  std::function<void(std::vector<uint8_t> packet)> on_reply;

  bool connectSeen() const { return connect_seen_; }
  mqtt::ProtocolVersion version() const { return version_; }
  const std::string& clientId() const { return client_id_; }
  const std::string& username() const { return username_; }  // empty when the CONNECT had none
  uint16_t keepAlive() const { return keep_alive_; }  // from the CONNECT, seconds
  // True between packets (nothing partial has been forwarded).
  bool atPacketBoundary() const { return state_ == State::kFixedHeader && buf_.empty(); }

 private:
  enum class State {
    kFixedHeader,    // collecting the 2..5 byte fixed header
    kBody,           // collecting a whole control packet
    kPublishHeader,  // collecting a PUBLISH variable header
    kPayload,        // streaming a PUBLISH payload
  };

  Result<void, TapError> onFixedHeader();
  Result<void, TapError> onControlPacket(evbuffer* out);
  // The PUBLISH variable header in buf_ is complete: route it, forward or swallow it.
  Result<void, TapError> onPublishHeader(const mqtt::PublishHeader& header, evbuffer* out);
  // Forwards the header in buf_, rewritten with `topic` when it is alias-only and the broker
  // does not map its alias to that topic.
  void forwardPublishHeader(const mqtt::PublishHeader& header, const std::string& topic,
                            evbuffer* out);
  // The current PUBLISH's payload is complete.
  void finishPublish();
  void reply(mqtt::PacketType type, uint16_t packet_id, uint8_t reason);
  void emit(evbuffer* out, const uint8_t* data, size_t n);
  void reset();

  uint32_t max_packet_size_;        // bytes, whole packet
  State state_ = State::kFixedHeader;
  std::vector<uint8_t> buf_;        // the packet being assembled, fixed header included
  mqtt::FixedHeader header_{};      // valid outside kFixedHeader
  uint32_t payload_remaining_ = 0;  // kPayload: bytes still to stream
  // The PUBLISH being streamed (kPayload):
  bool forward_ = true;             // its bytes go to the broker
  bool capture_ = false;            // its payload is copied into captured_
  std::string topic_;               // its topic (aliases resolved), when captured
  uint8_t qos_ = 0;
  bool retain_ = false;
  std::string captured_;            // its payload so far, when captured
  TopicAliases aliases_;            // 5.0 topic aliases of this connection
  // QoS 2 packet identifiers whose PUBLISH the gateway kept (local, or dropped with a success
  // ack): their PUBREL is answered here and never reaches the broker.
  std::set<uint16_t> local_ids_;
  // QoS 2 packet identifiers of forwarded messages a handler got a copy of, until their PUBREL:
  // a DUP re-send is not copied again.
  std::set<uint16_t> tapped_ids_;
  std::string username_;
  bool connect_seen_ = false;
  mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::kV311;
  std::string client_id_;
  uint16_t keep_alive_ = 0;
};

}  // namespace mqttd
