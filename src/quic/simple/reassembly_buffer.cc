#include "quic/simple/reassembly_buffer.h"
