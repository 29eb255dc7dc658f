#include "quic/simple/simple_session.h"
