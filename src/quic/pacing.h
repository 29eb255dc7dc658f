// updatePacing: ngtcp2_conn_update_pkt_tx_time for ngtcp2 0.12.1, as used by both the
// gateway's sessions and the client connection.
#pragma once

#include <ngtcp2/ngtcp2.h>

namespace mqttd {

// ngtcp2 0.12.1 paces at cwnd / smoothed_rtt, and before the first RTT sample smoothed_rtt is
// the 333 ms initial RTT (RFC 9002 §6.2.2): a first flight would push the next send ~25 ms
// ahead, and a paced endpoint in the handshake then sends nothing but ACKs, holding back the
// client's Finished or the server's HANDSHAKE_DONE (fixed upstream in ngtcp2 0.14: "Use 1ms as
// initial srtt when calculating pacing rate"). So the pacer starts once an RTT sample exists;
// the bytes sent so far stay counted and are paced at the measured rate by the next update.
void updatePacing(ngtcp2_conn* conn, ngtcp2_tstamp ts);

}  // namespace mqttd
