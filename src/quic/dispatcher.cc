#include "quic/dispatcher.h"

#include <event2/event.h>
#include <gnutls/crypto.h>

#include "core/clock.h"
#include "quic/connection_id.h"
#include "quic/simple/packet_reader.h"
#include "quic/simple/packet_writer.h"

namespace mqttd {
namespace {

// Datagrams handled per wake-up before other events get a turn (style habit 8).
constexpr size_t kBatch = 64;
constexpr size_t kMaxPerWakeup = 512;

}  // namespace

Dispatcher::Dispatcher(EventLoop& loop, UdpSocket& socket, ConnectionTracker& tracker,
                       Ngtcp2Engine& engine, Metrics& metrics, Handover handover,
                       simple::SimpleEngine* simple)
    : loop_(loop),
      socket_(socket),
      tracker_(tracker),
      engine_(engine),
      simple_(simple),
      metrics_(metrics),
      handover_(std::move(handover)),
      steering_(handover_.worker_id, handover_.send ? handover_.worker_count : 1),
      watch_(loop, socket.fd(), EV_READ, [this](short) { onReadable(); }) {
  watch_.enable();
}

void Dispatcher::onReadable() {
  size_t handled = 0;
  while (handled < kMaxPerWakeup) {
    const size_t n = socket_.receive(kBatch, [this](const ReceivedDatagram& d) { dispatch(d); });
    handled += n;
    if (n < kBatch && !socket_.hasPending()) return;  // the kernel queue is (most likely) empty
  }
  // More is waiting: let timers and TCP run, then continue.
  if (resume_scheduled_) return;
  resume_scheduled_ = true;
  std::weak_ptr<bool> alive = alive_;
  loop_.callLater([this, alive] {
    if (alive.expired()) return;
    resume_scheduled_ = false;
    onReadable();
  });
}

void Dispatcher::route(const ReceivedDatagram& datagram, bool may_hand_over) {
  // The simple framer's long headers (HELLOs) first: ngtcp2 refuses unknown versions in
  // datagrams under 1200 bytes, and a HELLO is 128. They stay on this worker, like Initials:
  // their DCID is the client's own (docs/simple-framing.md §9).
  if (simple::PacketReader::isSimpleLongHeader(datagram.data)) {
    if (simple_ != nullptr) routeSimpleLongHeader(datagram);
    else refuseSimpleHello(datagram);
    return;
  }
  ngtcp2_version_cid vc;
  const int rv = ngtcp2_pkt_decode_version_cid(&vc, datagram.data.data(), datagram.data.size(),
                                               ConnectionIdGenerator::kLength);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    sendVersionNegotiation(datagram, vc);
    return;
  }
  if (rv != 0) {
    ++dropped_;
    return;
  }
  if (QuicSession* session = tracker_.find(cidKey(vc.dcid, vc.dcidlen))) {
    session->onDatagram(datagram);
    return;
  }
  // Not ours: maybe another worker's connection that moved to an address the kernel hashes here.
  if (may_hand_over) {
    if (auto owner = steering_.ownerOf(datagram.data, vc.version, vc.dcid, vc.dcidlen)) {
      metrics_.addQuicEvent(QuicEvent::kDatagramHandedOver);
      handover_.send(*owner, datagram);
      return;
    }
  }
  const bool long_header = (datagram.data[0] & 0x80) != 0;
  if (long_header) {
    engine_.onNewInitial(datagram);
  } else {
    engine_.onUnknownShortHeader(datagram, vc.dcid, vc.dcidlen);
  }
}

void Dispatcher::routeSimpleLongHeader(const ReceivedDatagram& datagram) {
  // byte 0, version (4), DCID length, DCID: isSimpleLongHeader() checked the first five bytes.
  const auto& data = datagram.data;
  if (data.size() < 6 || data[5] > simple::kMaxCidLength || data.size() < 6u + data[5]) {
    ++dropped_;
    return;
  }
  if (QuicSession* session = tracker_.find(cidKey(&data[6], data[5]))) {
    session->onDatagram(datagram);  // a HELLO resent because our ACCEPT was lost
    return;
  }
  simple_->onHello(datagram);
}

void Dispatcher::refuseSimpleHello(const ReceivedDatagram& datagram) {
  // docs/simple-framing.md §7.1: tell the client at once instead of letting it wait for its
  // handshake timeout. Stateless, rate-limited, never larger than the HELLO (§11).
  auto hello = simple::PacketReader::decodeLongAnyParameters(datagram.data);
  if (!hello || hello->type != simple::LongType::kHello) {
    ++dropped_;
    return;
  }
  if (!vn_limiter_.allow(monotonicNanos())) {
    metrics_.addQuicEvent(QuicEvent::kRepliesRateLimited);
    return;
  }
  uint8_t out[simple::kMinHelloSize];
  const size_t n = simple::PacketWriter::writeRefuse(
      out, hello->scid, hello->dcid, simple::ErrorCode::kConnectionRefused,
      "simple framer not enabled");
  if (n == 0 || n > datagram.data.size()) return;
  (void)socket_.send({out, n}, datagram.peer, &datagram.local, 0, 0);
  metrics_.addQuicEvent(QuicEvent::kConnectionRefused);
}

void Dispatcher::sendVersionNegotiation(const ReceivedDatagram& datagram,
                                        const ngtcp2_version_cid& vc) {
  // RFC 9000 §6: only in answer to a datagram big enough to be a client's first Initial.
  if (datagram.data.size() < NGTCP2_MAX_UDP_PAYLOAD_SIZE) {
    ++dropped_;
    return;
  }
  if (!vn_limiter_.allow(monotonicNanos())) {
    metrics_.addQuicEvent(QuicEvent::kRepliesRateLimited);
    return;
  }
  // Our version, plus a reserved 0x?a?a?a?a version to exercise the client (RFC 9000 §15).
  uint8_t grease = 0;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, &grease, 1);
  const uint32_t versions[] = {NGTCP2_PROTO_VER_V1,
                               0x0a0a0a0au | ((grease & 0xf0u) * 0x01010101u)};
  uint8_t unused_random = 0;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, &unused_random, 1);
  uint8_t out[256];
  const ngtcp2_ssize n = ngtcp2_pkt_write_version_negotiation(
      out, sizeof out, unused_random, vc.scid, vc.scidlen, vc.dcid, vc.dcidlen, versions, 2);
  if (n <= 0) return;
  (void)socket_.send({out, static_cast<size_t>(n)}, datagram.peer, &datagram.local, 0, 0);
  metrics_.addQuicEvent(QuicEvent::kVersionNegotiationSent);
}

}  // namespace mqttd
