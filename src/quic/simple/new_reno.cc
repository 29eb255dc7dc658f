#include "quic/simple/new_reno.h"
