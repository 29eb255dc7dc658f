// PemPairs: development certificates (DevCertificate: self-signed, CN=localhost, a new ECDSA key
// each) made in a ScratchDir and read back as PEM text, for the certificate tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "../scratch_dir.h"
#include "quic/ngtcp2/dev_certificate.h"

namespace mqttd::test {

struct PemPair {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key of that certificate
};

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A new pair valid for `days` from now, made in `dir`/`name`/.
inline PemPair makePair(const ScratchDir& dir, const std::string& name, int days) {
  const std::string at = dir.file(name);
  const auto written = DevCertificate::write(at, days);
  EXPECT_TRUE(written.ok()) << (written.ok() ? "" : written.error());
  return PemPair{readText(at + "/dev.crt"), readText(at + "/dev.key")};
}

}  // namespace mqttd::test
