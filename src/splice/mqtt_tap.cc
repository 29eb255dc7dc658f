#include "splice/mqtt_tap.h"

#include <event2/buffer.h>

#include <algorithm>
#include <variant>

#include "mqtt/ack_packet.h"
#include "mqtt/connect_packet.h"
#include "mqtt/packet.h"
#include "mqtt/publish_header.h"
#include "mqtt/reason_code.h"

namespace mqttd {
namespace {

TapError fromCodec(mqtt::CodecError error) {
  auto kind = TapError::Kind::kMalformed;
  if (error == mqtt::CodecError::kPacketTooLarge) kind = TapError::Kind::kTooLarge;
  if (error == mqtt::CodecError::kTopicAliasZero) kind = TapError::Kind::kTopicAliasInvalid;
  return TapError{kind, std::string(mqtt::toString(error))};
}

}  // namespace

void MqttTap::emit(evbuffer* out, const uint8_t* data, size_t n) {
  if (out != nullptr && n > 0) evbuffer_add(out, data, n);
}

void MqttTap::reset() {
  state_ = State::kFixedHeader;
  buf_.clear();
  forward_ = true;
  capture_ = false;
}

void MqttTap::reply(mqtt::PacketType type, uint16_t packet_id, uint8_t reason) {
  if (!on_reply) return;
  mqtt::AckPacket ack;
  ack.type = type;
  ack.packet_id = packet_id;
  ack.reason_code = reason;
  std::vector<uint8_t> bytes;
  if (ack.encode(version_, bytes)) on_reply(std::move(bytes));
}

Result<void, TapError> MqttTap::onPublishHeader(const mqtt::PublishHeader& header,
                                               evbuffer* out) {
  using Disposition = PublishVerdict::Disposition;
  std::string topic(header.topic);
  const auto alias = mqtt::isV5(version_) ? header.properties.topicAlias() : std::nullopt;
  if (alias) {
    auto resolved = aliases_.resolve(*alias, header.topic);
    if (!resolved) return fail(TapError{TapError::Kind::kTopicAliasInvalid, resolved.error()});
    topic = std::move(*resolved);
  }
  // A QoS 2 message the gateway already kept, sent again (DUP): acknowledge it again, once more
  // without delivering it [MQTT-4.3.3].
  if (header.qos == 2 && local_ids_.count(header.packet_id) != 0) {
    forward_ = false;
    reply(mqtt::PacketType::kPubrec, header.packet_id, mqtt::reason::kSuccess);
    return {};
  }
  PublishVerdict verdict;
  const PublishInfo info{topic, header.qos, header.retain};
  if (on_publish) verdict = on_publish(info);
  if (verdict.disposition == Disposition::kForward) {
    forwardPublishHeader(header, topic, out);
  } else {
    forward_ = false;
    const bool v5 = mqtt::isV5(version_);
    const bool refused = verdict.disposition != Disposition::kLocal && v5;
    if (verdict.disposition == Disposition::kDropDisconnect && !v5)
      return fail(TapError{TapError::Kind::kRefused,
                           "PUBLISH to '" + topic + "' refused by a drop route (on_drop: disconnect)"});
    const uint8_t reason = refused ? mqtt::reason::kNotAuthorized : mqtt::reason::kSuccess;
    if (header.qos == 1) reply(mqtt::PacketType::kPuback, header.packet_id, reason);
    if (header.qos == 2) {
      reply(mqtt::PacketType::kPubrec, header.packet_id, reason);
      // A PUBREC >= 0x80 ends the flow [MQTT-4.3.3]; otherwise a PUBREL follows.
      if (!refused) local_ids_.insert(header.packet_id);
    }
    if (verdict.disposition != Disposition::kLocal) verdict.capture = false;
  }
  if (verdict.capture && header.qos == 2 && verdict.disposition == Disposition::kForward) {
    // A forwarded QoS 2 message sent again (DUP) before its PUBREL: the broker delivers it once,
    // so the handler gets it once too.
    if (!tapped_ids_.insert(header.packet_id).second && header.dup) verdict.capture = false;
  }
  capture_ = verdict.capture && on_captured;
  if (capture_) {
    topic_ = std::move(topic);
    qos_ = header.qos;
    retain_ = header.retain;
    captured_.clear();
    captured_.reserve(header.payload_length);
  }
  return {};
}

void MqttTap::forwardPublishHeader(const mqtt::PublishHeader& header, const std::string& topic,
                                   evbuffer* out) {
  const auto alias = mqtt::isV5(version_) ? header.properties.topicAlias() : std::nullopt;
  if (!alias || !header.topic.empty()) {
    if (alias) aliases_.sentToBroker(*alias, topic);
    emit(out, buf_.data(), buf_.size());
    return;
  }
  if (aliases_.brokerKnows(*alias, topic)) {
    emit(out, buf_.data(), buf_.size());
    return;
  }
  // The broker never saw this alias set to `topic` (the PUBLISH that set it was kept or dropped):
  // send the topic with the alias, which also sets it at the broker (5.0 §3.3.2.3.4).
  std::vector<uint8_t> body;
  body.push_back(static_cast<uint8_t>(topic.size() >> 8));
  body.push_back(static_cast<uint8_t>(topic.size()));
  body.insert(body.end(), topic.begin(), topic.end());
  // The rest of the variable header (packet id, properties) follows the empty topic's 2 bytes.
  const uint8_t* header_start = buf_.data() + header_.size;
  body.insert(body.end(), header_start + 2, header_start + header.header_length);
  std::vector<uint8_t> packet;
  mqtt::encodeFixedHeader(mqtt::PacketType::kPublish, header_.flags,
                          static_cast<uint32_t>(body.size()) + header.payload_length, packet);
  packet.insert(packet.end(), body.begin(), body.end());
  // Payload bytes already in buf_ (the header slice may have taken some).
  const uint8_t* end = buf_.data() + buf_.size();
  packet.insert(packet.end(), header_start + header.header_length, end);
  aliases_.sentToBroker(*alias, topic);
  emit(out, packet.data(), packet.size());
}

void MqttTap::finishPublish() {
  if (!capture_) return;
  capture_ = false;
  on_captured(PublishInfo{topic_, qos_, retain_}, std::move(captured_));
  captured_.clear();
}

Result<size_t, TapError> MqttTap::process(std::span<const uint8_t> in, evbuffer* out) {
  size_t used = 0;
  while (used < in.size()) {
    const size_t avail = in.size() - used;
    switch (state_) {
      case State::kFixedHeader: {
        buf_.push_back(in[used++]);
        auto decoded = mqtt::decodeFixedHeader(buf_, max_packet_size_);
        if (!decoded) return fail(fromCodec(decoded.error()));
        if (!decoded->has_value()) break;
        header_ = **decoded;
        if (auto r = onFixedHeader(); !r) return fail(r.error());
        if (state_ == State::kBody && header_.remaining_length == 0) {
          if (auto r = onControlPacket(out); !r) return fail(r.error());
        }
        break;
      }
      case State::kBody: {
        const size_t want = header_.size + header_.remaining_length - buf_.size();
        const size_t n = std::min(want, avail);
        buf_.insert(buf_.end(), in.begin() + used, in.begin() + used + n);
        used += n;
        if (n == want) {
          if (auto r = onControlPacket(out); !r) return fail(r.error());
        }
        break;
      }
      case State::kPublishHeader: {
        const size_t want = header_.size + header_.remaining_length - buf_.size();
        // Take a bounded slice: the header is usually short; the rest streams.
        const size_t n = std::min({want, avail, size_t{4096}});
        buf_.insert(buf_.end(), in.begin() + used, in.begin() + used + n);
        used += n;
        const std::span<const uint8_t> body(buf_.data() + header_.size, buf_.size() - header_.size);
        auto ph = mqtt::decodePublishHeader(header_, body, version_);
        if (!ph) return fail(fromCodec(ph.error()));
        if (!ph->has_value()) {
          if (n == want)  // the whole packet is here and still no complete header
            return fail(fromCodec(mqtt::CodecError::kTruncated));
          break;
        }
        if (on_packet) on_packet(mqtt::PacketType::kPublish);
        if (auto r = onPublishHeader(**ph, out); !r) return fail(r.error());
        if (capture_)  // payload bytes that came with the header slice
          captured_.append(reinterpret_cast<const char*>(buf_.data()) + header_.size +
                               (**ph).header_length,
                           reinterpret_cast<const char*>(buf_.data()) + buf_.size());
        payload_remaining_ = static_cast<uint32_t>(header_.remaining_length - body.size());
        buf_.clear();
        if (payload_remaining_ == 0) {
          finishPublish();
          reset();
        } else {
          state_ = State::kPayload;
        }
        break;
      }
      case State::kPayload: {
        const size_t n = std::min<size_t>(payload_remaining_, avail);
        if (forward_) emit(out, in.data() + used, n);
        if (capture_) captured_.append(reinterpret_cast<const char*>(in.data() + used), n);
        used += n;
        payload_remaining_ -= static_cast<uint32_t>(n);
        if (payload_remaining_ == 0) {
          finishPublish();
          reset();
        }
        break;
      }
    }
  }
  return used;
}

Result<void, TapError> MqttTap::onFixedHeader() {
  const bool is_connect = header_.type == mqtt::PacketType::kConnect;
  if (!connect_seen_ && !is_connect)
    return fail(TapError{TapError::Kind::kProtocolViolation,
                         "first packet must be CONNECT [MQTT-3.1.0-1], got " +
                             std::string(mqtt::toString(header_.type))});
  if (connect_seen_ && is_connect)
    return fail(TapError{TapError::Kind::kProtocolViolation,
                         "second CONNECT on one connection [MQTT-3.1.0-2]"});
  state_ = header_.type == mqtt::PacketType::kPublish ? State::kPublishHeader : State::kBody;
  return {};
}

Result<void, TapError> MqttTap::onControlPacket(evbuffer* out) {
  const std::span<const uint8_t> body(buf_.data() + header_.size, buf_.size() - header_.size);
  if (header_.type == mqtt::PacketType::kConnect) {
    auto connect = mqtt::ConnectPacket::decode(body);
    if (!connect) return fail(fromCodec(connect.error()));
    connect_seen_ = true;
    version_ = connect->version;
    client_id_ = std::string(connect->client_id);
    username_ = std::string(connect->username.value_or(""));
    keep_alive_ = connect->keep_alive;
  } else {
    auto packet = mqtt::decodePacket(header_, body, version_);
    if (!packet) return fail(fromCodec(packet.error()));
    if (header_.type == mqtt::PacketType::kPubrel &&
        (!local_ids_.empty() || !tapped_ids_.empty())) {
      const uint16_t id = std::get<mqtt::AckPacket>(*packet).packet_id;
      tapped_ids_.erase(id);
      if (local_ids_.erase(id) != 0) {  // the gateway kept this message: it completes the flow
        if (on_packet) on_packet(header_.type);
        reply(mqtt::PacketType::kPubcomp, id, mqtt::reason::kSuccess);
        reset();
        return {};
      }
    }
  }
  if (on_packet) on_packet(header_.type);
  emit(out, buf_.data(), buf_.size());
  reset();
  return {};
}

}  // namespace mqttd
