#include "quic/ngtcp2/static_secret.h"

#include <gnutls/crypto.h>

namespace mqttd {

Result<std::shared_ptr<const StaticSecret>, std::string> StaticSecret::generate() {
  std::shared_ptr<StaticSecret> secret(new StaticSecret());
  if (gnutls_rnd(GNUTLS_RND_KEY, secret->bytes_.data(), secret->bytes_.size()) != 0)
    return fail(std::string("cannot generate the token secret"));
  return std::shared_ptr<const StaticSecret>(std::move(secret));
}

}  // namespace mqttd
