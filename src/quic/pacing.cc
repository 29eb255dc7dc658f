#include "quic/pacing.h"

#include <cstdint>

namespace mqttd {

void updatePacing(ngtcp2_conn* conn, ngtcp2_tstamp ts) {
  ngtcp2_conn_stat stat;
  ngtcp2_conn_get_conn_stat(conn, &stat);
  if (stat.first_rtt_sample_ts == UINT64_MAX) return;
  ngtcp2_conn_update_pkt_tx_time(conn, ts);
}

}  // namespace mqttd
