#include "quic/ngtcp2/server_certificate.h"

#include <gtest/gtest.h>

#include <ctime>

#include "pem_pairs.h"

namespace mqttd {
namespace {

using test::makePair;
using test::PemPair;
using test::ScratchDir;

constexpr int64_t kDay = 86400;

class ServerCertificateTest : public testing::Test {
 protected:
  Result<std::shared_ptr<const ServerCertificate>, std::string> make(const std::string& cert,
                                                                     const std::string& key) {
    return ServerCertificate::fromPem(cert, key, "/tls/gw.crt", "/tls/gw.key");
  }

  ScratchDir dir_;
  PemPair a_ = makePair(dir_, "a", 30);
  PemPair b_ = makePair(dir_, "b", 90);
};

TEST_F(ServerCertificateTest, ReportsTheLeafsSubjectNotAfterAndDigests) {
  const int64_t now = std::time(nullptr);
  auto made = make(a_.cert, a_.key);
  ASSERT_TRUE(made.ok()) << made.error();
  const ServerCertificate& c = **made;
  EXPECT_NE(c.credentials(), nullptr);
  EXPECT_EQ(c.subject(), "CN=localhost");
  EXPECT_NEAR(static_cast<double>(c.notAfter()), static_cast<double>(now + 30 * kDay), 60);
  EXPECT_EQ(c.certDigest(), ServerCertificate::digest(a_.cert));
  EXPECT_EQ(c.keyDigest(), ServerCertificate::digest(a_.key));
  EXPECT_NE(c.certDigest(), ServerCertificate::digest(b_.cert));
}

// The server certificate comes first in a chain; notAfter is its own, not the next one's.
TEST_F(ServerCertificateTest, NotAfterIsTheFirstCertificatesInAChain) {
  const int64_t now = std::time(nullptr);
  auto made = make(b_.cert + a_.cert, b_.key);
  ASSERT_TRUE(made.ok()) << made.error();
  EXPECT_NEAR(static_cast<double>((*made)->notAfter()), static_cast<double>(now + 90 * kDay), 60);
}

// GnuTLS reports GNUTLS_E_CERTIFICATE_KEY_MISMATCH; the message names both files.
TEST_F(ServerCertificateTest, KeyOfAnotherCertificateIsRefused) {
  auto made = make(a_.cert, b_.key);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error(), "key file '/tls/gw.key' does not match certificate file '/tls/gw.crt' (" +
                              std::string(gnutls_strerror(GNUTLS_E_CERTIFICATE_KEY_MISMATCH)) +
                              ")");
}

TEST_F(ServerCertificateTest, ErrorsNameTheFileThatIsWrong) {
  for (const std::string& cert : {std::string(), std::string("garbage\n"), a_.key}) {
    auto made = make(cert, a_.key);
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.error().rfind("certificate file '/tls/gw.crt': no PEM certificate", 0), 0u)
        << made.error();
  }
  for (const std::string& key : {std::string(), std::string("garbage\n"), a_.cert}) {
    auto made = make(a_.cert, key);
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.error().rfind("key file '/tls/gw.key': no PEM private key", 0), 0u)
        << made.error();
  }
}

}  // namespace
}  // namespace mqttd
