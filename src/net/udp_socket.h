// UdpSocket: a non-blocking UDP socket for the QUIC front end and its client: batched reads
// (recvmmsg, UDP_GRO split), batched and segmented writes (sendmmsg, UDP_SEGMENT), the
// destination address of each datagram (PKTINFO) and its ECN bits (TOS / TCLASS).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"
#include "net/socket_address.h"

namespace mqttd {

// One datagram handed to UdpSocket::receive()'s callback; `data` is valid during the call only.
struct ReceivedDatagram {
  std::span<const uint8_t> data;  // one datagram (UDP_GRO coalesced buffers already split)
  SocketAddress peer;             // source
  SocketAddress local;  // destination address+port the peer used (IP_PKTINFO/IPV6_PKTINFO);
                        // for a wildcard bind this is the concrete local IP
  uint8_t ecn = 0;      // low 2 bits of IP_TOS / IPV6_TCLASS (0 not-ECT, 1 ECT(1), 2 ECT(0), 3 CE)
};

enum class SendResult {
  kSent,     // handed to the kernel (or, after a partial batch, the rest dropped; see send())
  kBlocked,  // EAGAIN before anything went out: wait for writability and retry
  kError,    // dropped; errno logged at debug
};

class UdpSocket {
 public:
  struct Options {
    bool reuse_port = false;  // SO_REUSEPORT: one socket per worker on the same port
    bool gro = true;          // ask for UDP_GRO (coalesced receives); off if the kernel refuses
    bool gso = true;          // use UDP_SEGMENT on send until the kernel refuses it once
    int recv_buffer = 0;      // SO_RCVBUF in bytes; 0 = kernel default
    int send_buffer = 0;      // SO_SNDBUF in bytes; 0 = kernel default
  };
  struct Outgoing {
    std::span<const uint8_t> data;
    SocketAddress peer;
    const SocketAddress* local = nullptr;  // source IP via PKTINFO; nullptr: the kernel picks
    uint8_t ecn = 0;                       // ECN codepoint, 0..3
  };

  // Server: binds `address` (port 0 ok), non-blocking, CLOEXEC; enables PKTINFO + RECVTOS (v4) /
  // RECVPKTINFO + RECVTCLASS (v6), IP_MTU_DISCOVER=IP_PMTUDISC_DO (don't fragment), UDP_GRO when
  // asked and available. Error text names the address and errno.
  static Result<std::unique_ptr<UdpSocket>, std::string> bind(const SocketAddress& address,
                                                              const Options& options);
  // Client: an ephemeral socket of `peer`'s family bound to the wildcard address (port 0).
  static Result<std::unique_ptr<UdpSocket>, std::string> openFor(const SocketAddress& peer,
                                                                 const Options& options);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_.get(); }
  const SocketAddress& localAddress() const { return local_; }  // as bound (real port)

  // Reads with recvmmsg, at most `max_datagrams` datagrams (after GRO splitting) this call; calls
  // `fn` for each. Returns how many were delivered (0: nothing pending/EAGAIN). Errors (e.g.
  // ICMP-induced ECONNREFUSED on a connected socket) are swallowed and counted. Segments of a
  // GRO buffer beyond `max_datagrams` stay buffered here: see hasPending(). Not reentrant.
  size_t receive(size_t max_datagrams, const std::function<void(const ReceivedDatagram&)>& fn);
  // True when datagrams already read from the kernel wait here (receive() stopped at
  // max_datagrams inside a GRO buffer or batch): call receive() again without waiting for the fd
  // to become readable, which it may never do.
  bool hasPending() const { return pending_index_ < pending_count_; }

  // Sends `data` to `peer`. If segment_size > 0 and segment_size < data.size(), `data` holds
  // several packets of segment_size bytes each (last may be shorter) sent with one GSO sendmsg
  // (UDP_SEGMENT; split into several sendmsg calls above 64 segments or 64 KiB); when the kernel
  // refuses GSO (EIO/EINVAL/ENOPROTOOPT...) GSO is switched off for this socket for good and the
  // packets are sent one by one. `local` (may be nullptr) sets the source address via PKTINFO
  // cmsg (only its IP matters); `ecn` sets the TOS/TCLASS ECN bits via cmsg (IP_TOS /
  // IPV6_TCLASS). kBlocked means nothing went out; when EAGAIN hits after some packets went
  // out, the rest are dropped (QUIC loss recovery resends them) and the result is kSent.
  SendResult send(std::span<const uint8_t> data, const SocketAddress& peer,
                  const SocketAddress* local, uint8_t ecn, size_t segment_size);
  // Batch: sends up to datagrams.size() single datagrams with sendmmsg; returns how many were
  // consumed: sent, or dropped on a hard error (logged at debug). Less than size(): the rest got
  // EAGAIN; retry them when writable.
  size_t sendMany(std::span<const Outgoing> datagrams);

  bool gsoEnabled() const { return gso_; }
  bool groEnabled() const { return gro_; }
  uint64_t receiveErrors() const { return receive_errors_; }  // swallowed receive errors

 private:
  struct Slot;  // one recvmmsg entry: its header, buffer and what was parsed from it

  UdpSocket(UniqueFd fd, const SocketAddress& local, bool gro, bool gso);
  static Result<std::unique_ptr<UdpSocket>, std::string> open(const SocketAddress& address,
                                                              const Options& options);
  // Parses slot `i` after recvmmsg filled it; false when it is unusable (truncated).
  bool parseSlot(size_t i);
  size_t deliverPending(size_t max_datagrams,
                        const std::function<void(const ReceivedDatagram&)>& fn);
  // One sendmsg; returns 0 or the errno.
  int sendOne(std::span<const uint8_t> data, const SocketAddress& peer, const SocketAddress* local,
              uint8_t ecn, size_t segment_size);
  // The GSO-less path of send(): packets of `segment_size` one by one from `data`.
  SendResult sendEach(std::span<const uint8_t> data, const SocketAddress& peer,
                      const SocketAddress* local, uint8_t ecn, size_t segment_size, bool sent_any);

  UniqueFd fd_;
  SocketAddress local_;  // as bound, with the real port
  bool gro_ = false;     // UDP_GRO is on: a read may hold several datagrams
  bool gso_ = false;     // UDP_SEGMENT still believed to work
  uint64_t receive_errors_ = 0;

  std::unique_ptr<uint8_t[]> recv_data_;  // kRecvSlots slots of kRecvSlotBytes each
  std::vector<Slot> slots_;               // kRecvSlots entries
  std::vector<mmsghdr> recv_msgs_;        // kRecvSlots entries, pointing into slots_
  size_t pending_count_ = 0;              // slots filled by the last recvmmsg
  size_t pending_index_ = 0;   // next slot to deliver from, < pending_count_ while pending
  size_t pending_offset_ = 0;  // bytes of slot pending_index_ already delivered (GRO split)
};

}  // namespace mqttd
