#include "client/resumption_ticket.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sys/stat.h>

namespace mqttd::client {
namespace {

ResumptionTicket sample() {
  ResumptionTicket t;
  t.tls_session = {0x00, 0x01, 0xfe, 0xff, 'x'};
  t.initial_max_data = 1048576;
  t.initial_max_stream_data_bidi_remote = 262144;
  t.initial_max_streams_bidi = 10;
  t.active_connection_id_limit = 7;
  return t;
}

TEST(ResumptionTicketTest, EncodeDecodeRoundTrip) {
  const ResumptionTicket t = sample();
  auto back = ResumptionTicket::decode(t.encode());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->tls_session, t.tls_session);
  EXPECT_EQ(back->initial_max_data, 1048576u);
  EXPECT_EQ(back->initial_max_stream_data_bidi_remote, 262144u);
  EXPECT_EQ(back->initial_max_streams_bidi, 10u);
  EXPECT_EQ(back->active_connection_id_limit, 7u);
  EXPECT_EQ(back->initial_max_streams_uni, 0u);
}

TEST(ResumptionTicketTest, RejectsOtherFilesWithAReason) {
  EXPECT_FALSE(ResumptionTicket::decode("hello\n"));
  EXPECT_FALSE(ResumptionTicket::decode("mqttd-session 1\ninitial_max_data=5\n"));  // no TLS data
  auto missing = ResumptionTicket::load("/nonexistent/session");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/session"), std::string::npos);
}

TEST(ResumptionTicketTest, TransportParametersGoBothWays) {
  ngtcp2_transport_params p;
  ngtcp2_transport_params_default(&p);
  sample().applyTo(p);
  EXPECT_EQ(p.initial_max_data, 1048576u);
  EXPECT_EQ(p.active_connection_id_limit, 7u);
  ResumptionTicket t;
  t.rememberFrom(p);
  EXPECT_EQ(t.initial_max_streams_bidi, 10u);
}

TEST(ResumptionTicketTest, SavedFileIsPrivate) {
  char dir[] = "/tmp/ticket-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/s";
  ASSERT_TRUE(sample().save(path));
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = ResumptionTicket::load(path);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tls_session, sample().tls_session);
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace mqttd::client
