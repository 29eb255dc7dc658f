#include "quic/simple/wire.h"
