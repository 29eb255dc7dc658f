#include "quic/simple/rtt_estimator.h"
