#include "quic/connection_id.h"

#include <gnutls/crypto.h>

namespace mqttd {

ngtcp2_cid ConnectionIdGenerator::generate() const {
  ngtcp2_cid cid{};
  cid.datalen = kLength;
  cid.data[0] = server_id_;
  cid.data[1] = worker_id_;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, cid.data + 2, kLength - 2);
  return cid;
}

}  // namespace mqttd
