#include "net/udp_socket.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>

#include "core/log.h"

namespace mqttd {
namespace {

constexpr size_t kRecvSlots = 16;          // recvmmsg entries per call
constexpr size_t kRecvSlotBytes = 65536;   // bytes per entry: room for a full GRO buffer
constexpr size_t kRecvControlBytes = 256;  // cmsg room per entry: PKTINFO, TOS/TCLASS, GRO
constexpr size_t kSendBatch = 32;          // sendmmsg entries per call
// Linux UDP_MAX_SEGMENTS was 64 before 6.9; staying at 64 works everywhere.
constexpr size_t kMaxGsoSegments = 64;
// Largest UDP payload of one IPv4 packet (65535 - 20 IP - 8 UDP); also safe for IPv6.
constexpr size_t kMaxGsoBytes = 65507;
// Bounds the recvmmsg calls that fail in one receive(), so a storm of errors cannot spin.
constexpr int kMaxErrorsPerReceive = 8;

bool isWouldBlock(int err) {
  return err == EAGAIN || err == EWOULDBLOCK;
}

// Errors by which a kernel, driver or route refuses UDP_SEGMENT (see udp_send_skb).
bool isGsoRefusal(int err) {
  return err == EIO || err == EINVAL || err == ENOPROTOOPT || err == EOPNOTSUPP || err == EMSGSIZE;
}

bool isV4Mapped(const SocketAddress& a) {
  if (a.family() != AF_INET6) return false;
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a.get());
  return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr);
}

// The IPv4 address of an AF_INET or v4-mapped AF_INET6 address.
in_addr ipv4Of(const SocketAddress& a) {
  in_addr out{};
  if (a.family() == AF_INET) {
    out = reinterpret_cast<const sockaddr_in*>(a.get())->sin_addr;
  } else {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a.get());
    std::memcpy(&out, &sin6->sin6_addr.s6_addr[12], sizeof out);
  }
  return out;
}

in6_addr mapped(in_addr v4) {
  in6_addr out{};
  out.s6_addr[10] = 0xff;
  out.s6_addr[11] = 0xff;
  std::memcpy(&out.s6_addr[12], &v4, sizeof v4);
  return out;
}

SocketAddress makeV4(in_addr ip, uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr = ip;
  sin.sin_port = htons(port);
  return SocketAddress(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

SocketAddress makeV6(const in6_addr& ip, uint16_t port, uint32_t ifindex) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = ip;
  sin6.sin6_port = htons(port);
  if (IN6_IS_ADDR_LINKLOCAL(&ip)) sin6.sin6_scope_id = ifindex;
  return SocketAddress(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
}

// Room for the cmsgs of one outgoing datagram: PKTINFO, TOS/TCLASS and UDP_SEGMENT.
struct SendControl {
  alignas(cmsghdr) uint8_t bytes[128];
};

// Appends cmsgs to a SendControl.
class CmsgWriter {
 public:
  explicit CmsgWriter(SendControl& control) : control_(control) {}

  template <typename T>
  void add(int level, int type, const T& value) {
    const size_t space = CMSG_SPACE(sizeof(T));
    assert(used_ + space <= sizeof control_.bytes);
    auto* header = reinterpret_cast<cmsghdr*>(control_.bytes + used_);
    std::memset(header, 0, space);
    header->cmsg_level = level;
    header->cmsg_type = type;
    header->cmsg_len = CMSG_LEN(sizeof(T));
    std::memcpy(CMSG_DATA(header), &value, sizeof(T));
    used_ += space;
  }
  void* data() { return used_ == 0 ? nullptr : control_.bytes; }
  size_t size() const { return used_; }

 private:
  SendControl& control_;
  size_t used_ = 0;  // bytes of control_ filled, a multiple of CMSG_ALIGN
};

// Fills `msg` (and `iov`, `control`) for one datagram from a socket of `family`.
void prepareSend(msghdr& msg, iovec& iov, SendControl& control, int family,
                 std::span<const uint8_t> data, const SocketAddress& peer,
                 const SocketAddress* local, uint8_t ecn, size_t segment_size) {
  iov.iov_base = const_cast<uint8_t*>(data.data());
  iov.iov_len = data.size();
  msg = msghdr{};
  msg.msg_name = const_cast<sockaddr*>(peer.get());
  msg.msg_namelen = peer.size();
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // IPv4 peers of a dual-stack socket go through the IPv4 path, which reads SOL_IP cmsgs
  // (IP_TOS) and ignores IPV6_TCLASS.
  const bool v4_path = family == AF_INET || peer.family() == AF_INET || isV4Mapped(peer);
  CmsgWriter writer(control);
  if (local != nullptr && !local->empty() && !local->isWildcard()) {
    if (family == AF_INET) {
      if (local->family() == AF_INET || isV4Mapped(*local)) {
        in_pktinfo info{};
        info.ipi_spec_dst = ipv4Of(*local);
        writer.add(IPPROTO_IP, IP_PKTINFO, info);
      }
    } else {
      in6_pktinfo info{};
      if (local->family() == AF_INET) {
        info.ipi6_addr = mapped(ipv4Of(*local));
      } else {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(local->get());
        info.ipi6_addr = sin6->sin6_addr;
        if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) info.ipi6_ifindex = sin6->sin6_scope_id;
      }
      writer.add(IPPROTO_IPV6, IPV6_PKTINFO, info);
    }
  }
  const int ecn_bits = ecn & 0x3;
  if (ecn_bits != 0) {
    if (v4_path) {
      writer.add(IPPROTO_IP, IP_TOS, ecn_bits);
    } else {
      writer.add(IPPROTO_IPV6, IPV6_TCLASS, ecn_bits);
    }
  }
  if (segment_size > 0) writer.add(SOL_UDP, UDP_SEGMENT, static_cast<uint16_t>(segment_size));
  msg.msg_control = writer.data();
  msg.msg_controllen = writer.size();
}

// setsockopt of an int; 0 or the errno.
int setIntOption(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : errno;
}

void logSendError(const SocketAddress& peer, int err) {
  Log::debug("UDP send failed", {{"peer", peer.toString()}, {"error", std::strerror(err)}});
}

}  // namespace

struct UdpSocket::Slot {
  iovec iov{};
  sockaddr_storage name{};
  alignas(cmsghdr) uint8_t control[kRecvControlBytes]{};
  // Parsed by parseSlot():
  bool usable = false;
  size_t length = 0;   // bytes received, all GRO segments together
  size_t segment = 0;  // GRO segment size in bytes; 0: one datagram
  uint8_t ecn = 0;
  SocketAddress peer;
  SocketAddress local;
};

UdpSocket::UdpSocket(UniqueFd fd, const SocketAddress& local, bool gro, bool gso)
    : fd_(std::move(fd)),
      local_(local),
      gro_(gro),
      gso_(gso),
      recv_data_(std::make_unique_for_overwrite<uint8_t[]>(kRecvSlots * kRecvSlotBytes)),
      slots_(kRecvSlots),
      recv_msgs_(kRecvSlots) {
  for (size_t i = 0; i < kRecvSlots; ++i) {
    Slot& slot = slots_[i];
    slot.iov.iov_base = recv_data_.get() + i * kRecvSlotBytes;
    msghdr& h = recv_msgs_[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &slot.name;
    h.msg_iov = &slot.iov;
    h.msg_iovlen = 1;
    h.msg_control = slot.control;
  }
}

UdpSocket::~UdpSocket() = default;

Result<std::unique_ptr<UdpSocket>, std::string> UdpSocket::bind(const SocketAddress& address,
                                                                const Options& options) {
  return open(address, options);
}

Result<std::unique_ptr<UdpSocket>, std::string> UdpSocket::openFor(const SocketAddress& peer,
                                                                   const Options& options) {
  if (peer.family() == AF_INET) return open(makeV4(in_addr{}, 0), options);
  if (peer.family() == AF_INET6) return open(makeV6(in6addr_any, 0, 0), options);
  return fail(std::string("cannot open a UDP socket for an empty or non-IP peer address"));
}

Result<std::unique_ptr<UdpSocket>, std::string> UdpSocket::open(const SocketAddress& address,
                                                                const Options& options) {
  const int family = address.family();
  if (family != AF_INET && family != AF_INET6)
    return fail(std::string("cannot open a UDP socket on an empty or non-IP address"));
  const std::string where = "UDP socket on " + address.toString();
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd.valid()) return fail("cannot create " + where + ": " + std::strerror(errno));

  struct Required {
    bool wanted;
    int level;
    int name;
    int value;
    const char* text;  // the option's name, for the error
  };
  const bool v4 = family == AF_INET;
  const Required required[] = {
      {options.reuse_port, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT"},
      {options.recv_buffer > 0, SOL_SOCKET, SO_RCVBUF, options.recv_buffer, "SO_RCVBUF"},
      {options.send_buffer > 0, SOL_SOCKET, SO_SNDBUF, options.send_buffer, "SO_SNDBUF"},
      {v4, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"},
      {v4, IPPROTO_IP, IP_RECVTOS, 1, "IP_RECVTOS"},
      {v4, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, "IP_MTU_DISCOVER"},
      {!v4, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"},
      {!v4, IPPROTO_IPV6, IPV6_RECVTCLASS, 1, "IPV6_RECVTCLASS"},
      {!v4, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, "IPV6_MTU_DISCOVER"},
  };
  for (const Required& option : required) {
    if (!option.wanted) continue;
    if (const int err = setIntOption(fd.get(), option.level, option.name, option.value))
      return fail("cannot set " + std::string(option.text) + " on " + where + ": " +
                  std::strerror(err));
  }
  if (!v4) {
    // IPv4 traffic on a dual-stack socket: its TOS byte and don't-fragment. Best effort: a
    // V6ONLY socket never sees IPv4.
    (void)setIntOption(fd.get(), IPPROTO_IP, IP_RECVTOS, 1);
    (void)setIntOption(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
  }
  bool gro = false;
  if (options.gro) {
    const int err = setIntOption(fd.get(), SOL_UDP, UDP_GRO, 1);
    gro = err == 0;
    if (err != 0)
      Log::debug("UDP_GRO unavailable",
                 {{"socket", address.toString()}, {"error", std::strerror(err)}});
  }
  if (::bind(fd.get(), address.get(), address.size()) != 0)
    return fail("cannot bind UDP socket to " + address.toString() + ": " + std::strerror(errno));
  const SocketAddress bound = SocketAddress::localOf(fd.get());
  return std::unique_ptr<UdpSocket>(new UdpSocket(std::move(fd), bound, gro, options.gso));
}

size_t UdpSocket::receive(size_t max_datagrams,
                          const std::function<void(const ReceivedDatagram&)>& fn) {
  size_t delivered = deliverPending(max_datagrams, fn);
  int errors = 0;
  while (delivered < max_datagrams && !hasPending()) {
    const size_t want = std::min(kRecvSlots, max_datagrams - delivered);
    for (size_t i = 0; i < want; ++i) {
      slots_[i].iov.iov_len = kRecvSlotBytes;
      msghdr& h = recv_msgs_[i].msg_hdr;
      h.msg_namelen = sizeof slots_[i].name;
      h.msg_controllen = sizeof slots_[i].control;
      h.msg_flags = 0;
      recv_msgs_[i].msg_len = 0;
    }
    const int n = ::recvmmsg(fd_.get(), recv_msgs_.data(), static_cast<unsigned>(want),
                             MSG_DONTWAIT, nullptr);
    if (n < 0) {
      const int err = errno;
      if (isWouldBlock(err)) break;
      if (err == EINTR) continue;
      // E.g. ECONNREFUSED from an ICMP port unreachable on a connected socket: reading it
      // clears it; datagrams queued behind it are read on the next round.
      ++receive_errors_;
      Log::debug("UDP receive failed",
                 {{"socket", local_.toString()}, {"error", std::strerror(err)}});
      if (++errors >= kMaxErrorsPerReceive) break;
      continue;
    }
    if (n == 0) break;
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      if (!parseSlot(i)) ++receive_errors_;
    }
    pending_count_ = static_cast<size_t>(n);
    pending_index_ = 0;
    pending_offset_ = 0;
    delivered += deliverPending(max_datagrams - delivered, fn);
    if (static_cast<size_t>(n) < want) break;  // the kernel queue is (most likely) empty
  }
  return delivered;
}

bool UdpSocket::parseSlot(size_t i) {
  Slot& slot = slots_[i];
  msghdr& h = recv_msgs_[i].msg_hdr;
  slot.length = recv_msgs_[i].msg_len;
  slot.segment = 0;
  slot.ecn = 0;
  slot.peer = SocketAddress(reinterpret_cast<const sockaddr*>(&slot.name), h.msg_namelen);
  slot.local = local_;
  // A UDP payload never exceeds a slot, so truncation means something we do not understand.
  slot.usable = (h.msg_flags & MSG_TRUNC) == 0;
  if (!slot.usable) {
    Log::debug("UDP datagram truncated", {{"peer", slot.peer.toString()}});
    return false;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    const uint8_t* data = CMSG_DATA(c);
    const size_t len = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && len >= sizeof(in_pktinfo)) {
      in_pktinfo info;
      std::memcpy(&info, data, sizeof info);
      slot.local = local_.family() == AF_INET ? makeV4(info.ipi_addr, local_.port())
                                              : makeV6(mapped(info.ipi_addr), local_.port(), 0);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS && len >= 1) {
      slot.ecn = data[0] & 0x3;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               len >= sizeof(in6_pktinfo)) {
      in6_pktinfo info;
      std::memcpy(&info, data, sizeof info);
      slot.local = makeV6(info.ipi6_addr, local_.port(), info.ipi6_ifindex);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS && len >= sizeof(int)) {
      int tclass;
      std::memcpy(&tclass, data, sizeof tclass);
      slot.ecn = static_cast<uint8_t>(tclass & 0x3);
    } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && len >= sizeof(int)) {
      int segment;
      std::memcpy(&segment, data, sizeof segment);
      if (segment > 0 && static_cast<size_t>(segment) < slot.length)
        slot.segment = static_cast<size_t>(segment);
    }
  }
  return true;
}

size_t UdpSocket::deliverPending(size_t max_datagrams,
                                 const std::function<void(const ReceivedDatagram&)>& fn) {
  size_t delivered = 0;
  while (delivered < max_datagrams && pending_index_ < pending_count_) {
    const Slot& slot = slots_[pending_index_];
    if (!slot.usable) {
      ++pending_index_;
      continue;
    }
    const size_t step = slot.segment != 0 ? slot.segment : slot.length;
    const size_t start = pending_offset_;
    const size_t size = std::min(step, slot.length - start);
    const uint8_t* base = recv_data_.get() + pending_index_ * kRecvSlotBytes;
    const ReceivedDatagram datagram{{base + start, size}, slot.peer, slot.local, slot.ecn};
    // State moves on before the call, so a callback that throws loses only its datagram.
    pending_offset_ += size;
    if (pending_offset_ >= slot.length) {
      ++pending_index_;
      pending_offset_ = 0;
    }
    ++delivered;
    fn(datagram);
  }
  if (pending_index_ >= pending_count_) pending_count_ = pending_index_ = pending_offset_ = 0;
  return delivered;
}

int UdpSocket::sendOne(std::span<const uint8_t> data, const SocketAddress& peer,
                       const SocketAddress* local, uint8_t ecn, size_t segment_size) {
  msghdr msg;
  iovec iov;
  SendControl control;
  prepareSend(msg, iov, control, local_.family(), data, peer, local, ecn, segment_size);
  bool retried_refusal = false;
  for (;;) {
    if (::sendmsg(fd_.get(), &msg, 0) >= 0) return 0;
    const int err = errno;
    if (err == EINTR) continue;
    // A connected socket reports a pending ICMP error on the next send, without sending.
    if (err == ECONNREFUSED && !retried_refusal) {
      retried_refusal = true;
      continue;
    }
    return err;
  }
}

SendResult UdpSocket::send(std::span<const uint8_t> data, const SocketAddress& peer,
                           const SocketAddress* local, uint8_t ecn, size_t segment_size) {
  if (segment_size == 0 || segment_size >= data.size()) {
    const int err = sendOne(data, peer, local, ecn, 0);
    if (err == 0) return SendResult::kSent;
    if (isWouldBlock(err)) return SendResult::kBlocked;
    logSendError(peer, err);
    return SendResult::kError;
  }
  if (!gso_) return sendEach(data, peer, local, ecn, segment_size, false);
  const size_t per_call =
      std::clamp<size_t>(kMaxGsoBytes / segment_size, 1, kMaxGsoSegments) * segment_size;
  size_t offset = 0;
  while (offset < data.size()) {
    const std::span<const uint8_t> chunk =
        data.subspan(offset, std::min(per_call, data.size() - offset));
    const bool segmented = chunk.size() > segment_size;
    const int err = sendOne(chunk, peer, local, ecn, segmented ? segment_size : 0);
    if (err == 0) {
      offset += chunk.size();
      continue;
    }
    if (isWouldBlock(err)) {
      if (offset == 0) return SendResult::kBlocked;
      Log::debug(
          "UDP send blocked mid-batch; rest dropped",
          {{"peer", peer.toString()}, {"dropped_bytes", std::to_string(data.size() - offset)}});
      return SendResult::kSent;
    }
    if (!segmented || !isGsoRefusal(err)) {
      logSendError(peer, err);
      return SendResult::kError;
    }
    // Blame GSO only if a lone packet goes where the segmented send did not (a segment larger
    // than the path MTU, for one, fails both ways and must not turn GSO off).
    const std::span<const uint8_t> first = chunk.first(segment_size);
    const int first_err = sendOne(first, peer, local, ecn, 0);
    if (first_err != 0) {
      if (isWouldBlock(first_err)) return offset == 0 ? SendResult::kBlocked : SendResult::kSent;
      logSendError(peer, first_err);
      return SendResult::kError;
    }
    gso_ = false;
    Log::info("UDP GSO refused by the kernel; sending packets one by one",
              {{"socket", local_.toString()}, {"error", std::strerror(err)}});
    return sendEach(data.subspan(offset + segment_size), peer, local, ecn, segment_size, true);
  }
  return SendResult::kSent;
}

SendResult UdpSocket::sendEach(std::span<const uint8_t> data, const SocketAddress& peer,
                               const SocketAddress* local, uint8_t ecn, size_t segment_size,
                               bool sent_any) {
  for (size_t offset = 0; offset < data.size(); offset += segment_size) {
    const std::span<const uint8_t> packet =
        data.subspan(offset, std::min(segment_size, data.size() - offset));
    const int err = sendOne(packet, peer, local, ecn, 0);
    if (err == 0) {
      sent_any = true;
      continue;
    }
    if (isWouldBlock(err)) {
      if (!sent_any) return SendResult::kBlocked;
      Log::debug(
          "UDP send blocked mid-batch; rest dropped",
          {{"peer", peer.toString()}, {"dropped_bytes", std::to_string(data.size() - offset)}});
      return SendResult::kSent;
    }
    logSendError(peer, err);
    return SendResult::kError;
  }
  return SendResult::kSent;
}

size_t UdpSocket::sendMany(std::span<const Outgoing> datagrams) {
  std::array<mmsghdr, kSendBatch> msgs;
  std::array<iovec, kSendBatch> iovs;
  std::array<SendControl, kSendBatch> controls;
  size_t done = 0;
  bool retried_refusal = false;
  while (done < datagrams.size()) {
    const size_t count = std::min(kSendBatch, datagrams.size() - done);
    for (size_t i = 0; i < count; ++i) {
      const Outgoing& out = datagrams[done + i];
      prepareSend(msgs[i].msg_hdr, iovs[i], controls[i], local_.family(), out.data, out.peer,
                  out.local, out.ecn, 0);
      msgs[i].msg_len = 0;
    }
    const int n = ::sendmmsg(fd_.get(), msgs.data(), static_cast<unsigned>(count), 0);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    const int err = n < 0 ? errno : EAGAIN;
    if (isWouldBlock(err)) break;
    if (err == EINTR) continue;
    if (err == ECONNREFUSED && !retried_refusal) {
      retried_refusal = true;
      continue;
    }
    // The first datagram of the batch failed for good: drop it and go on with the rest.
    logSendError(datagrams[done].peer, err);
    ++done;
  }
  return done;
}

}  // namespace mqttd
