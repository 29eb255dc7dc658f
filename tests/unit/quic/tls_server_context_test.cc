#include "quic/ngtcp2/tls_server_context.h"

#include <gnutls/x509.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "pem_pairs.h"

namespace mqttd {
namespace {

using test::makePair;
using test::PemPair;
using test::ScratchDir;
using Reload = TlsServerContext::Reload;

// The DER of the first certificate in `pem`.
std::string derOf(const std::string& pem) {
  gnutls_x509_crt_t crt = nullptr;
  EXPECT_EQ(gnutls_x509_crt_init(&crt), 0);
  const gnutls_datum_t in{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data())),
                          static_cast<unsigned>(pem.size())};
  EXPECT_EQ(gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM), 0);
  gnutls_datum_t der{};
  EXPECT_EQ(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
  std::string out(reinterpret_cast<const char*>(der.data), der.size);
  gnutls_free(der.data);
  gnutls_x509_crt_deinit(crt);
  return out;
}

// The DER of the server certificate in the credentials `session` was configured with. Reads the
// credentials' own memory: under ASan, a use after free if they were freed under the session.
std::string sessionCertificate(gnutls_session_t session) {
  void* credentials = nullptr;
  if (gnutls_credentials_get(session, GNUTLS_CRD_CERTIFICATE, &credentials) != 0) return "";
  gnutls_datum_t der{};
  if (gnutls_certificate_get_crt_raw(static_cast<gnutls_certificate_credentials_t>(credentials), 0,
                                     0, &der) != 0)
    return "";
  return std::string(reinterpret_cast<const char*>(der.data), der.size);  // not a copy: borrowed
}

class TlsServerContextTest : public testing::Test {
 protected:
  void SetUp() override {
    install(a_);
    config_.cert = dir_.file("cert.pem");
    config_.key = dir_.file("key.pem");
    auto made = TlsServerContext::create(config_);
    ASSERT_TRUE(made.ok()) << made.error();
    tls_ = std::move(*made);
  }
  void TearDown() override {
    for (gnutls_session_t s : sessions_) gnutls_deinit(s);
  }

  // Replaces a file the way a careful operator (or the kubelet) does: a new file renamed over it.
  void replace(const std::string& name, const std::string& text) {
    const std::string tmp = dir_.write(name + ".tmp", text);
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.file(name).c_str()), 0);
  }
  void install(const PemPair& pair) {
    replace("cert.pem", pair.cert);
    replace("key.pem", pair.key);
  }
  // A new server session configured by tls_ (deinit'ed by TearDown, or by the test).
  gnutls_session_t newSession(std::shared_ptr<const ServerCertificate>& held) {
    gnutls_session_t session = nullptr;
    EXPECT_EQ(gnutls_init(&session, tls_->initFlags()), 0);
    sessions_.push_back(session);
    auto configured = tls_->configure(session);
    EXPECT_TRUE(configured.ok()) << (configured.ok() ? "" : configured.error());
    if (configured.ok()) held = *configured;
    return session;
  }
  // A failed reload changes nothing: the same pair serves the next session.
  void expectStillServing(const std::shared_ptr<const ServerCertificate>& before,
                          const PemPair& pair) {
    EXPECT_EQ(tls_->certificate(), before);
    std::shared_ptr<const ServerCertificate> held;
    gnutls_session_t session = newSession(held);
    EXPECT_EQ(held, before);
    EXPECT_EQ(sessionCertificate(session), derOf(pair.cert));
  }

  ScratchDir dir_;
  PemPair a_ = makePair(dir_, "a", 30);
  PemPair b_ = makePair(dir_, "b", 90);
  QuicListenerConfig config_;
  std::unique_ptr<TlsServerContext> tls_;
  std::vector<gnutls_session_t> sessions_;
};

TEST_F(TlsServerContextTest, ServesTheConfiguredPairAndReportsItsNotAfter) {
  const int64_t now = std::time(nullptr);
  const auto in_force = tls_->certificate();
  ASSERT_NE(in_force, nullptr);
  EXPECT_NEAR(static_cast<double>(in_force->notAfter()), static_cast<double>(now + 30 * 86400), 60);
  EXPECT_EQ(in_force->subject(), "CN=localhost");
  EXPECT_EQ(tls_->certFile(), dir_.file("cert.pem"));
  EXPECT_EQ(tls_->keyFile(), dir_.file("key.pem"));
  std::shared_ptr<const ServerCertificate> held;
  gnutls_session_t session = newSession(held);
  EXPECT_EQ(held, in_force);
  EXPECT_EQ(sessionCertificate(session), derOf(a_.cert));
}

TEST_F(TlsServerContextTest, UnchangedFilesSwapNothing) {
  const auto before = tls_->certificate();
  auto r = tls_->reloadCertificate();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Reload::kUnchanged);
  // The same bytes in new files (a new inode and mtime, as a re-issued Secret has) count too.
  install(a_);
  r = tls_->reloadCertificate();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Reload::kUnchanged);
  EXPECT_EQ(tls_->certificate(), before);
}

// The point of the feature: new handshakes get the new pair, a session configured before keeps
// the credentials it points at (GnuTLS counts no references), and they are freed only when the
// last such session let go.
TEST_F(TlsServerContextTest, NewPairServesNewSessionsWhileEarlierOnesKeepTheirs) {
  std::shared_ptr<const ServerCertificate> old_held;
  gnutls_session_t old_session = newSession(old_held);
  std::weak_ptr<const ServerCertificate> old_pair = old_held;

  install(b_);
  auto r = tls_->reloadCertificate();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Reload::kReloaded);
  EXPECT_NE(tls_->certificate(), old_held);
  EXPECT_EQ(tls_->certificate()->certDigest(), ServerCertificate::digest(b_.cert));
  EXPECT_NEAR(static_cast<double>(tls_->certificate()->notAfter()),
              static_cast<double>(std::time(nullptr) + 90 * 86400), 60);

  std::shared_ptr<const ServerCertificate> new_held;
  gnutls_session_t new_session = newSession(new_held);
  EXPECT_EQ(new_held, tls_->certificate());
  EXPECT_EQ(sessionCertificate(new_session), derOf(b_.cert));

  // Only the old session's handle keeps the old pair alive now; its credentials still work.
  ASSERT_FALSE(old_pair.expired());
  EXPECT_EQ(sessionCertificate(old_session), derOf(a_.cert));
  gnutls_deinit(old_session);
  sessions_.erase(sessions_.begin());
  old_held.reset();
  EXPECT_TRUE(old_pair.expired());

  // Installing the same pair again is no change.
  r = tls_->reloadCertificate();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Reload::kUnchanged);
}

TEST_F(TlsServerContextTest, MismatchedKeyIsRefusedAndTheOldPairStays) {
  const auto before = tls_->certificate();
  replace("cert.pem", b_.cert);  // a new certificate, the old key
  auto r = tls_->reloadCertificate();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "key file '" + dir_.file("key.pem") +
                                   "' does not match certificate file '" + dir_.file("cert.pem") +
                                   "' (" + gnutls_strerror(GNUTLS_E_CERTIFICATE_KEY_MISMATCH) +
                                   ")");
  expectStillServing(before, a_);
  // The same broken files fail the same way (the reloader logs that once); other bytes do not.
  auto again = tls_->reloadCertificate();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, r.error().message);
  EXPECT_EQ(again.error().contents, r.error().contents);
  EXPECT_FALSE(r.error().contents.empty());
  replace("key.pem", a_.key + "\n");  // still a's key: same message, other contents
  again = tls_->reloadCertificate();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, r.error().message);
  EXPECT_NE(again.error().contents, r.error().contents);
  // Completing the pair puts it in force.
  replace("key.pem", b_.key);
  auto fixed = tls_->reloadCertificate();
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  EXPECT_EQ(*fixed, Reload::kReloaded);
}

TEST_F(TlsServerContextTest, GarbageIsRefusedAndTheOldPairStays) {
  const auto before = tls_->certificate();
  replace("key.pem", "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
  auto r = tls_->reloadCertificate();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("key file '" + dir_.file("key.pem") + "': ", 0), 0u)
      << r.error().message;
  expectStillServing(before, a_);
  install(a_);
  replace("cert.pem", "");
  r = tls_->reloadCertificate();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("certificate file '" + dir_.file("cert.pem") + "': ", 0), 0u)
      << r.error().message;
  expectStillServing(before, a_);
}

TEST_F(TlsServerContextTest, MissingOrUnreadableFileIsAnErrorAndTheOldPairStays) {
  const auto before = tls_->certificate();
  ASSERT_EQ(std::remove(dir_.file("key.pem").c_str()), 0);
  auto r = tls_->reloadCertificate();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "cannot read key file '" + dir_.file("key.pem") + "': No such file or directory");
  EXPECT_TRUE(r.error().contents.empty());
  expectStillServing(before, a_);

  replace("key.pem", a_.key);
  ASSERT_EQ(std::remove(dir_.file("cert.pem").c_str()), 0);
  ASSERT_EQ(::mkdir(dir_.file("cert.pem").c_str(), 0755), 0);
  r = tls_->reloadCertificate();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "cannot read certificate file '" + dir_.file("cert.pem") + "': not a regular file");
  expectStillServing(before, a_);
}

TEST_F(TlsServerContextTest, CreateFailsWithTheReasonWhenThePairIsBad) {
  replace("key.pem", b_.key);
  auto made = TlsServerContext::create(config_);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().find("does not match"), std::string::npos) << made.error();
  config_.cert = dir_.file("missing.pem");
  made = TlsServerContext::create(config_);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error(), "cannot read certificate file '" + dir_.file("missing.pem") +
                              "': No such file or directory");
}

}  // namespace
}  // namespace mqttd
