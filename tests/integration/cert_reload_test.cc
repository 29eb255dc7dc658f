// Certificate rotation without a restart (docs/operations.md §3): the real gateway re-reads the
// contents of listeners.quic.cert and .key on SIGHUP and every cert_reload_interval. New
// handshakes get the new pair (mqttd-cli trusting only the old one is refused), a QUIC
// connection opened before the swap keeps working on its broker session, and a broken pair is
// refused, counted and logged once while the old certificate keeps serving.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "quic/ngtcp2/dev_certificate.h"
#include "quic/ngtcp2/server_certificate.h"
#include "support/gateway_fixture.h"

namespace mqttd::test {
namespace {

using std::chrono::seconds;

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `text` to a temporary file and renames it over `path` (readers see old or new).
void replaceFile(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp", std::ios::binary | std::ios::trunc) << text;
  ASSERT_EQ(std::rename((path + ".tmp").c_str(), path.c_str()), 0) << path;
}

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class CertReloadTest : public GatewayFixture {
 protected:
  // After startAll(): pair A is the development certificate the gateway started with
  // (tls/dev.crt, tls/dev.key, valid 30 days); pair B is a new one valid 90 days, so that the
  // notAfter gauge tells them apart. Keeps each certificate as a client's CA file.
  void makePairs() {
    tls_ = dir_ + "/tls";
    ASSERT_TRUE(DevCertificate::write(dir_ + "/pair-b", 90).ok());
    ca_a_ = dir_ + "/ca-a.crt";
    ca_b_ = dir_ + "/ca-b.crt";
    std::filesystem::copy_file(tls_ + "/dev.crt", ca_a_);
    std::filesystem::copy_file(dir_ + "/pair-b/dev.crt", ca_b_);
    key_a_ = readText(tls_ + "/dev.key");
    key_b_ = readText(dir_ + "/pair-b/dev.key");
  }
  // Lays tls/ out as the kubelet lays out a Secret volume, still with pair A: dev.crt ->
  // ..data/dev.crt, dev.key -> ..data/dev.key, ..data -> ..a (a directory with the files).
  void kubeletLayout() {
    std::filesystem::create_directory(tls_ + "/..a");
    std::filesystem::copy_file(ca_a_, tls_ + "/..a/dev.crt");
    replaceFile(tls_ + "/..a/dev.key", key_a_);
    std::filesystem::create_directory_symlink("..a", tls_ + "/..data");
    for (const char* name : {"dev.crt", "dev.key"}) {
      const std::string link = tls_ + "/" + name;
      std::filesystem::create_symlink(std::string("..data/") + name, link + ".tmp");
      ASSERT_EQ(std::rename((link + ".tmp").c_str(), link.c_str()), 0);
    }
  }
  // The kubelet's update of the Secret: both files change at once, by renaming a new ..data
  // symlink (to a directory with pair B) over the old one.
  void kubeletSwapToB() {
    std::filesystem::create_directory(tls_ + "/..b");
    std::filesystem::copy_file(ca_b_, tls_ + "/..b/dev.crt");
    replaceFile(tls_ + "/..b/dev.key", key_b_);
    std::filesystem::create_directory_symlink("..b", tls_ + "/..data_tmp");
    ASSERT_EQ(std::rename((tls_ + "/..data_tmp").c_str(), (tls_ + "/..data").c_str()), 0);
  }

  // mqttd-cli over QUIC, trusting only `cafile`.
  std::vector<std::string> cli(const std::string& command, const std::string& cafile,
                               const std::vector<std::string>& args) {
    std::vector<std::string> argv{envOr("MQTTD_CLI", "mqttd-cli"), command, "-h", "127.0.0.1"};
    argv.insert(argv.end(), {"-p", std::to_string(gateway_->quicPort()), "--cafile", cafile});
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  uint64_t reloads(const std::string& result) {
    return metric("mqttd_tls_certificate_reloads_total{result=\"" + result + "\"}");
  }
  uint64_t notAfterGauge() { return metric("mqttd_tls_certificate_not_after_seconds"); }
  int64_t notAfterOfB() {
    auto b = ServerCertificate::fromPem(readText(ca_b_), key_b_, "b.crt", "b.key");
    EXPECT_TRUE(b.ok());
    return b.ok() ? (*b)->notAfter() : 0;
  }
  // A publish over QUIC trusting `cafile`: {exit status, output}.
  std::pair<int, std::string> publishTrusting(const std::string& cafile, const std::string& topic,
                                              const std::string& message) {
    return run(cli("pub", cafile, {"-t", topic, "-q", "1", "-m", message}));
  }

  // Starts a QUIC subscriber with pair A, swaps to pair B the kubelet's way (SIGHUP after it
  // when `signal`), and checks the rotation from every side.
  void rotate(bool signal);

  std::string tls_;
  std::string ca_a_, ca_b_;
  std::string key_a_, key_b_;
};

void CertReloadTest::rotate(bool signal) {
  ASSERT_NO_FATAL_FAILURE(makePairs());
  ASSERT_NO_FATAL_FAILURE(kubeletLayout());
  const uint64_t not_after_a = notAfterGauge();
  ChildProcess sub(
      cli("sub", ca_a_, {"-t", "rot/t", "-q", "1", "-C", "1", "-v", "-W", "60", "-i", "rot-sub"}));
  ASSERT_TRUE(eventually([&] {
    return metric("mqttd_mqtt_packets_total{type=\"SUBACK\",direction=\"to_client\"}") == 1;
  })) << sub.outputSoFar();
  EXPECT_EQ(reloads("ok"), 0u);  // the layout change kept the bytes: unchanged

  ASSERT_NO_FATAL_FAILURE(kubeletSwapToB());
  if (signal) gateway_->process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return reloads("ok") == 1; })) << gateway_->log();
  EXPECT_EQ(reloads("error"), 0u);
  EXPECT_EQ(notAfterGauge(), static_cast<uint64_t>(notAfterOfB()));
  EXPECT_NE(notAfterGauge(), not_after_a);

  // New handshakes get B: a client trusting only A is refused, one trusting B gets through.
  auto [rc_a, out_a] = publishTrusting(ca_a_, "rot/refused", "x");
  EXPECT_EQ(rc_a, 3) << out_a;
  EXPECT_NE(out_a.find("certificate verify failed"), std::string::npos) << out_a;
  auto [rc_b, out_b] = publishTrusting(ca_b_, "rot/t", "after");
  ASSERT_EQ(rc_b, 0) << out_b;

  // The subscriber that connected with A before the swap receives it on its first connection.
  std::vector<std::string> got;
  while (auto line = sub.readLine(seconds(15)))
    if (line->rfind("rot/", 0) == 0) got.push_back(*line);
  EXPECT_EQ(got, (std::vector<std::string>{"rot/t after"})) << sub.outputSoFar();
  EXPECT_EQ(sub.wait(seconds(10)), 0);
  EXPECT_EQ(brokerConnectionsOf("rot-sub"), 1);

  const std::string log = gateway_->log();
  EXPECT_EQ(occurrences(log, "certificate reloaded"), 1) << log;
  EXPECT_NE(log.find(signal ? "trigger=SIGHUP" : "trigger=interval"), std::string::npos) << log;
}

// Only SIGHUP can reload here (cert_reload_interval: 0s).
TEST_F(CertReloadTest, SighupPutsANewPairInForceAndOpenConnectionsKeepWorking) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    cert_reload_interval: 0s\n"));
  rotate(/*signal=*/true);
}

// Kubernetes: the kubelet swaps the files of a mounted Secret and nothing sends a signal.
TEST_F(CertReloadTest, IntervalPicksUpANewPairWithoutASignal) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    cert_reload_interval: 1s\n"));
  rotate(/*signal=*/false);
}

TEST_F(CertReloadTest, BrokenPairIsRefusedCountedLoggedOnceAndTheOldOneKeepsServing) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    cert_reload_interval: 1s\n"));
  ASSERT_NO_FATAL_FAILURE(makePairs());
  const uint64_t not_after_a = notAfterGauge();
  const std::string failed = "certificate reload failed";

  // A key that belongs to another certificate: GnuTLS refuses the pair at every interval.
  ASSERT_NO_FATAL_FAILURE(replaceFile(tls_ + "/dev.key", key_b_));
  ASSERT_TRUE(eventually([&] { return reloads("error") >= 3; })) << gateway_->log();
  std::string log = gateway_->log();
  EXPECT_EQ(occurrences(log, failed), 1) << log;  // the same files: logged once
  EXPECT_NE(log.find("does not match certificate file"), std::string::npos) << log;
  auto [rc, out] = publishTrusting(ca_a_, "rot/a", "still a");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(reloads("ok"), 0u);
  EXPECT_EQ(notAfterGauge(), not_after_a);

  // Other broken contents are another failure: logged again, once.
  ASSERT_NO_FATAL_FAILURE(replaceFile(tls_ + "/dev.key", "garbage\n"));
  ASSERT_TRUE(eventually([&] { return occurrences(gateway_->log(), failed) == 2; }))
      << gateway_->log();
  // SIGHUP: the operator asks, so the answer is logged although nothing changed.
  gateway_->process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return occurrences(gateway_->log(), failed) == 3; }))
      << gateway_->log();
  auto [rc2, out2] = publishTrusting(ca_a_, "rot/a", "still a");
  EXPECT_EQ(rc2, 0) << out2;

  // The right key back: the files are the pair in force again, said once.
  ASSERT_NO_FATAL_FAILURE(replaceFile(tls_ + "/dev.key", key_a_));
  ASSERT_TRUE(eventually([&] {
    return gateway_->log().find("certificate unchanged") != std::string::npos;
  })) << gateway_->log();
  EXPECT_EQ(reloads("ok"), 0u);
  EXPECT_EQ(notAfterGauge(), not_after_a);
}

// The certificate is re-read on every SIGHUP, whatever the config file holds.
TEST_F(CertReloadTest, SighupReloadsTheCertificateEvenWhenTheConfigIsInvalid) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    cert_reload_interval: 0s\n"));
  ASSERT_NO_FATAL_FAILURE(makePairs());
  ASSERT_NO_FATAL_FAILURE(kubeletLayout());
  replaceFile(gateway_->configPath(), "upstream: [\n");
  ASSERT_NO_FATAL_FAILURE(kubeletSwapToB());
  gateway_->process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return reloads("ok") == 1; })) << gateway_->log();
  EXPECT_NE(gateway_->log().find("reload failed; keeping the running configuration"),
            std::string::npos)
      << gateway_->log();
  auto [rc, out] = publishTrusting(ca_b_, "rot/b", "b");
  EXPECT_EQ(rc, 0) << out;
}

// cert_reload_interval is the one listeners.quic key a reload applies: 0s -> 1s, then a swap
// with no signal is picked up.
TEST_F(CertReloadTest, ReloadIntervalChangesOnSighup) {
  ASSERT_NO_FATAL_FAILURE(startAll("", true, "    cert_reload_interval: 0s\n"));
  ASSERT_NO_FATAL_FAILURE(makePairs());
  ASSERT_NO_FATAL_FAILURE(kubeletLayout());
  std::string config = readText(gateway_->configPath());
  const std::string off = "cert_reload_interval: 0s";
  ASSERT_NE(config.find(off), std::string::npos) << config;
  config.replace(config.find(off), off.size(), "cert_reload_interval: 1s");
  replaceFile(gateway_->configPath(), config);
  gateway_->process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return gateway_->log().find("configuration reloaded") != std::string::npos;
  })) << gateway_->log();
  EXPECT_EQ(gateway_->log().find("needs a restart"), std::string::npos) << gateway_->log();

  ASSERT_NO_FATAL_FAILURE(kubeletSwapToB());
  ASSERT_TRUE(eventually([&] { return reloads("ok") == 1; })) << gateway_->log();
  EXPECT_NE(gateway_->log().find("trigger=interval"), std::string::npos) << gateway_->log();
  auto [rc, out] = publishTrusting(ca_b_, "rot/b", "b");
  EXPECT_EQ(rc, 0) << out;
}

}  // namespace
}  // namespace mqttd::test
