#include "quic/simple/hello_cookie.h"
