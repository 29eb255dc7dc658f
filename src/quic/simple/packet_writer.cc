#include "quic/simple/packet_writer.h"
