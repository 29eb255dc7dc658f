#!/usr/bin/env bash
# Loopback port helpers shared by the demo, the benchmarks and the shell tests. Source it.

free_port() {  # free_port tcp|udp: a port the kernel says is free on 127.0.0.1 right now
  python3 - "$1" <<'PY'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

port_free() {  # port_free tcp|udp PORT: true when PORT can be bound on 127.0.0.1
  python3 - "$@" <<'PY' 2>/dev/null
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
socket.socket(socket.AF_INET, kind).bind(("127.0.0.1", int(sys.argv[2])))
PY
}

wait_tcp() {  # wait_tcp PORT: until something accepts on 127.0.0.1:PORT (10 s at most)
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

http_status() {  # http_status PORT PATH [HOST]: the status code of GET http://HOST:PORT/PATH
  python3 - "$@" <<'PY' 2>/dev/null
import http.client, sys
c = http.client.HTTPConnection(sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1", int(sys.argv[1]), timeout=2)
c.request("GET", sys.argv[2])
print(c.getresponse().status)
PY
}

wait_ready() {  # wait_ready PORT [HOST]: until GET /readyz on HOST:PORT answers 200 (10 s at most)
  for _ in $(seq 1 100); do
    [ "$(http_status "$1" /readyz "${2:-127.0.0.1}")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}
