#include "quic/simple/received_packets.h"
