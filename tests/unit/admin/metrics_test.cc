#include "admin/metrics.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(MetricsTest, CountsAndRendersPrometheusText) {
  Metrics m;
  m.connectionOpened(Transport::kTcp);
  m.connectionOpened(Transport::kTcp);
  m.connectionClosed(Transport::kTcp);
  m.addBytes(Transport::kTcp, Direction::kToBroker, 100);
  m.addPacket(Direction::kToBroker, 1);
  m.addPacket(Direction::kToClient, 2);
  m.addError(ErrorKind::kMalformedPacket);
  m.upstreamConnectFailed();
  EXPECT_EQ(m.connectionsCurrent(Transport::kTcp), 1u);
  EXPECT_EQ(m.connectionsTotal(Transport::kTcp), 2u);

  const std::string text = m.renderPrometheus();
  for (const char* expected : {
           "# TYPE mqttd_connections_current gauge\n",
           "mqttd_connections_current{transport=\"tcp\"} 1\n",
           "mqttd_connections_total{transport=\"tcp\"} 2\n",
           "mqttd_connections_total{transport=\"quic\"} 0\n",
           "mqttd_bytes_total{transport=\"tcp\",direction=\"to_broker\"} 100\n",
           "mqttd_mqtt_packets_total{type=\"CONNECT\",direction=\"to_broker\"} 1\n",
           "mqttd_mqtt_packets_total{type=\"CONNACK\",direction=\"to_client\"} 1\n",
           "mqttd_errors_total{kind=\"malformed_packet\"} 1\n",
           "mqttd_upstream_connect_failures_total 1\n",
           "mqttd_build_info{version=\"" MQTTD_VERSION "\"} 1\n",
       })
    EXPECT_NE(text.find(expected), std::string::npos) << expected;
}

// Only a gateway with a QUIC listener has a certificate: the tls series appear once it is set.
TEST(MetricsTest, CertificateSeriesOnlyOnceACertificateIsSet) {
  Metrics m;
  EXPECT_EQ(m.renderPrometheus().find("mqttd_tls_"), std::string::npos);
  m.setCertificateNotAfter(1893456000);
  m.addCertificateReload(CertificateReload::kOk);
  m.addCertificateReload(CertificateReload::kError);
  m.addCertificateReload(CertificateReload::kError);
  EXPECT_EQ(m.certificateReloads(CertificateReload::kError), 2u);
  const std::string text = m.renderPrometheus();
  for (const char* expected : {
           "# TYPE mqttd_tls_certificate_reloads_total counter\n",
           "mqttd_tls_certificate_reloads_total{result=\"ok\"} 1\n",
           "mqttd_tls_certificate_reloads_total{result=\"error\"} 2\n",
           "# TYPE mqttd_tls_certificate_not_after_seconds gauge\n",
           "mqttd_tls_certificate_not_after_seconds 1893456000\n",
       })
    EXPECT_NE(text.find(expected), std::string::npos) << expected;
}

TEST(MetricsTest, EveryErrorKindHasAName) {
  for (size_t k = 0; k < kErrorKindCount; ++k)
    EXPECT_NE(toString(static_cast<ErrorKind>(k)), "unknown");
}

}  // namespace
}  // namespace mqttd
