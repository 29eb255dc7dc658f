#include "quic/simple/simple_engine.h"
