#include "client/client_transport.h"

#include <cstdio>

namespace mqttd::client {

std::string_view toString(TransportCloseReason reason) {
  switch (reason) {
    case TransportCloseReason::kClosedByUs: return "closed";
    case TransportCloseReason::kClosedByPeer: return "closed by peer";
    case TransportCloseReason::kPeerError: return "closed by peer with an error";
    case TransportCloseReason::kConnectFailed: return "connection refused";
    case TransportCloseReason::kTlsVerifyFailed: return "certificate verify failed";
    case TransportCloseReason::kHandshakeFailed: return "handshake failed";
    case TransportCloseReason::kHandshakeTimeout: return "handshake timeout";
    case TransportCloseReason::kIdleTimeout: return "idle timeout";
    case TransportCloseReason::kNetworkError: return "network error";
    case TransportCloseReason::kProtocolError: return "protocol error";
  }
  return "unknown";
}

std::string hexCode(uint64_t code) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(code));
  return buf;
}

}  // namespace mqttd::client
