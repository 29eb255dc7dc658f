// Splice: joins one client ByteStream to one UpstreamConnection to the broker.
// Client -> broker bytes pass through the MqttTap (validated, counted); broker -> client bytes
// are framed by a FrameTracker (counted). Backpressure both ways: a side is read only while
// the other side's queue is below the high-water mark, and client credit (ByteStream::consume)
// is returned only when the bytes have moved into the broker connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "admin/metrics.h"
#include "core/event_loop.h"
#include "mqttd/config.h"
#include "net/byte_stream.h"
#include "net/socket_address.h"
#include "route/route_table.h"
#include "route/router.h"
#include "splice/frame_tracker.h"
#include "splice/mqtt_tap.h"
#include "splice/upstream_connection.h"

namespace mqttd {

// What a Splice needs from the gateway: borrowed for the Splice's lifetime.
struct SpliceContext {
  EventLoop& loop;
  Metrics& metrics;
  SocketAddress broker;                       // upstream.address, parsed
  std::chrono::milliseconds connect_timeout;  // upstream.connect_timeout
  LimitsConfig limits;                        // snapshot taken when the client connected
  Router* router = nullptr;  // routes in force (re-read at each PUBLISH); null: forward all
};

class Splice final : private ByteStream::Observer, private UpstreamConnection::Observer {
 public:
  // Called once when the splice has finished; the owner destroys it later (never inside).
  using DoneCallback = std::function<void(Splice&)>;

  Splice(uint64_t id, Transport transport, std::unique_ptr<ByteStream> stream,
         const SpliceContext& context, DoneCallback on_done);
  ~Splice();
  Splice(const Splice&) = delete;
  Splice& operator=(const Splice&) = delete;

  // Connects to the broker and starts moving bytes.
  void start();
  // Gateway shutdown: tells a v5 client why (DISCONNECT 0x8B), closes both sides.
  void shutdown();

  uint64_t id() const { return id_; }
  // The broker side ended the session (refused, lost, or closed without the client's
  // DISCONNECT): QUIC closes the connection with EMQX's code 1 then.
  bool brokerLost() const { return broker_lost_; }
  bool done() const { return state_ == State::kDone; }
  // One JSON object for /connections.
  std::string toJson() const;
  // Appends toJson() to the JSON array being built in `array` (opened with '['), with a comma
  // before it unless it is the first element.
  void appendJsonTo(std::string& array) const;

 private:
  enum class State {
    kOpen,     // moving bytes
    kClosing,  // our FIN is out; waiting for the client's (bounded by the linger timer)
    kDone,     // finished; waiting to be destroyed
  };

  // ByteStream::Observer
  void onStreamReadable() override;
  void onStreamWritable() override;
  void onStreamClosed(StreamError why) override;
  // UpstreamConnection::Observer
  void onUpstreamConnected() override;
  void onUpstreamReadable() override;
  void onUpstreamWritable() override;
  void onUpstreamFailed(UpstreamError error, const std::string& detail) override;

  void pumpToBroker();
  void pumpToClient();
  void onTapError(const TapError& error);
  // Routing (docs/routing.md): the tap's on_publish / on_captured / on_reply.
  PublishVerdict routePublish(const PublishInfo& info);
  void deliverCaptured(const PublishInfo& info, std::string payload);
  void queueReply(std::vector<uint8_t> packet);
  // Sends the queued replies if the broker -> client stream is at a packet boundary.
  void flushReplies();
  void refuseUnavailable();
  void sendToClient(const std::vector<uint8_t>& bytes);
  // MQTT 5 DISCONNECT with `reason` (callers check the client speaks 5.0).
  void sendDisconnect(uint8_t reason);
  void closeClient(const char* reason);
  void checkDone();
  void finishSplice(const char* reason);

  const uint64_t id_;
  const Transport transport_;
  SpliceContext context_;
  DoneCallback on_done_;
  std::unique_ptr<ByteStream> stream_;
  UpstreamConnection upstream_;
  MqttTap tap_;
  FrameTracker frames_;
  Timer connect_packet_timer_;  // limits.connect_packet_timeout
  Timer linger_timer_;          // bounds kClosing
  State state_ = State::kOpen;
  bool upstream_fin_sent_ = false;
  bool upstream_gone_ = false;  // failed or closed by us: nothing more goes to the broker
  bool client_disconnected_ = false;  // the client sent DISCONNECT (a normal end)
  bool broker_lost_ = false;          // see brokerLost()
  uint64_t bytes_to_broker_ = 0;
  uint64_t bytes_to_client_ = 0;
  std::shared_ptr<const RouteTable> routes_;  // the table this splice uses (see Router)
  uint64_t routes_version_ = 0;               // Router::version() of routes_
  RouteTable::Decision decision_;             // of the PUBLISH being captured
  std::vector<uint8_t> replies_;  // gateway-made packets waiting for a packet boundary
  bool replies_full_ = false;     // client reads paused until replies_ drains
  std::chrono::steady_clock::time_point opened_at_;
  std::string close_reason_;
};

}  // namespace mqttd
