#include "quic/simple/packet_reader.h"
