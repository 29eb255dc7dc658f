#include "splice/mqtt_tap.h"

#include <event2/buffer.h>

#include <algorithm>
#include <variant>

#include "mqtt/connect_packet.h"
#include "mqtt/packet.h"
#include "mqtt/publish_header.h"

namespace mqttd {
namespace {

TapError fromCodec(mqtt::CodecError error) {
  const auto kind = error == mqtt::CodecError::kPacketTooLarge ? TapError::Kind::kTooLarge
                                                               : TapError::Kind::kMalformed;
  return TapError{kind, std::string(mqtt::toString(error))};
}

}  // namespace

void MqttTap::emit(evbuffer* out, const uint8_t* data, size_t n) {
  if (out != nullptr && n > 0) evbuffer_add(out, data, n);
}

void MqttTap::reset() {
  state_ = State::kFixedHeader;
  buf_.clear();
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
        emit(out, buf_.data(), buf_.size());
        payload_remaining_ = static_cast<uint32_t>(header_.remaining_length - body.size());
        buf_.clear();
        state_ = payload_remaining_ > 0 ? State::kPayload : State::kFixedHeader;
        break;
      }
      case State::kPayload: {
        const size_t n = std::min<size_t>(payload_remaining_, avail);
        emit(out, in.data() + used, n);
        used += n;
        payload_remaining_ -= static_cast<uint32_t>(n);
        if (payload_remaining_ == 0) reset();
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
    keep_alive_ = connect->keep_alive;
  } else {
    auto packet = mqtt::decodePacket(header_, body, version_);
    if (!packet) return fail(fromCodec(packet.error()));
  }
  if (on_packet) on_packet(header_.type);
  emit(out, buf_.data(), buf_.size());
  reset();
  return {};
}

}  // namespace mqttd
