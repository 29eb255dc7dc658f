#include "quic/simple/sent_packets.h"
