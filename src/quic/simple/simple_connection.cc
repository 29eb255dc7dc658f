#include "quic/simple/simple_connection.h"
