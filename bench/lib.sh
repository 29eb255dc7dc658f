#!/usr/bin/env bash
# Shared helpers of the bench/ scripts: build, start Mosquitto and mqttd-gw on free loopback
# ports, read CPU seconds from /proc, clean up. Source it; it sets BUILD, WORK and the ports.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-release}  # a release build (meson buildtype=release), made on first use
GW=$BUILD/src/app/mqttd-gw
BENCH=$BUILD/tools/mqttd-bench
CLI=$BUILD/tools/mqttd-cli
IMPAIR=$BUILD/tests/tools/udp-impair
BRIDGE=$BUILD/tests/interop/mqtt-quic-bridge
WORK=$(mktemp -d /tmp/mqttd-bench-XXXXXX)
PIDS=()

bench_build() {  # [extra meson targets, e.g. quicgo for the bridge]
  [ "${BENCH_NO_BUILD:-0}" = 1 ] && return 0
  "$ROOT/scripts/install-deps.sh"
  [ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >/dev/null
  meson compile -C "$BUILD" mqttd-gw mqttd-bench mqttd-cli udp-impair "$@" >/dev/null
}

cleanup() {
  local rc=$?
  trap - EXIT
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ] && [ -d "$WORK" ]; then  # the run broke: show what the servers said
    for f in "$WORK"/*.log "$WORK"/*.err; do
      if [ -s "$f" ]; then echo "--- $f (last lines)" >&2; tail -n 20 "$f" >&2; fi
    done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$ROOT/scripts/ports.sh"

# Mosquitto runs with set_tcp_nodelay true: with its default (Nagle on), a small message waits
# for the ACK of the previous one, which the receiver delays, and every path (direct TCP too)
# showed p99 of ~24 ms. BROKER_NAGLE=1 keeps Mosquitto's default; BROKER_EXTRA adds config lines.
start_broker() {  # sets BROKER_PORT, BROKER_PID
  BROKER_PORT=$(free_port tcp)
  local nodelay="set_tcp_nodelay true"
  [ "${BROKER_NAGLE:-0}" = 1 ] && nodelay=""
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n%s\n%s\n' \
    "$BROKER_PORT" "$nodelay" "${BROKER_EXTRA:-}" > "$WORK/mosquitto.conf"
  /usr/sbin/mosquitto -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
  BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  wait_tcp "$BROKER_PORT"
}

# GW_ENV: a command prefix for the gateway, e.g. GW_ENV="env LD_PRELOAD=..." for experiments.
start_gateway() {  # [extra yaml lines for listeners.quic]; sets GW_TCP, GW_QUIC, GW_ADMIN, GW_PID
  GW_TCP=$(free_port tcp)
  GW_QUIC=$(free_port udp)
  GW_ADMIN=$(free_port tcp)
  "$GW" --dev-cert "$WORK/tls" > /dev/null
  cat > "$WORK/gw.yaml" <<YAML
upstream:
  address: 127.0.0.1:$BROKER_PORT
listeners:
  tcp:
    address: 127.0.0.1:$GW_TCP
  quic:
    address: 127.0.0.1:$GW_QUIC
    cert: tls/dev.crt
    key: tls/dev.key
    simple_framer:
      enabled: true
${1:-}
admin:
  address: 127.0.0.1:$GW_ADMIN
limits:
  max_connections: 1000000
log:
  level: warn
YAML
  ${GW_ENV:-} "$GW" -c "$WORK/gw.yaml" > "$WORK/gw.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  wait_tcp "$GW_ADMIN"
  for _ in $(seq 1 100); do
    [ "$(http_get "$GW_ADMIN" /readyz | head -1 | cut -d' ' -f2)" = "200" ] && return 0
    sleep 0.05
  done
  echo "bench: gateway not ready; its log:" >&2
  cat "$WORK/gw.log" >&2
  return 1
}

http_get() {  # http_get PORT PATH -> the raw HTTP response (no curl needed)
  exec 5<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&5
  cat <&5
  exec 5<&-
}

cpu_seconds() {  # cpu_seconds PID -> utime+stime in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

rss_kib() {  # rss_kib PID
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# goal LABEL MEASURED OP TARGET UNIT: prints one row and whether the goal is met.
goal() {
  local met
  if [[ ! "$2" =~ ^-?[0-9.]+([eE][-+]?[0-9]+)?$ ]]; then
    met="not measured"
  else
    met=$(awk -v m="$2" -v t="$4" -v op="$3" 'BEGIN { print ((op == "<=" && m <= t) || (op == ">=" && m >= t)) ? "met" : "NOT met" }')
  fi
  printf '%-58s %16s   %-26s %s\n' "$1" "$2${5:+ $5}" "$3 $4${5:+ $5}" "$met"
}

# ---- added for the bench/ scripts of issue 4 -------------------------------------------------

raise_nofile() {  # raise_nofile [WANTED]: soft RLIMIT_NOFILE up to WANTED (default and cap: hard limit)
  local hard want
  hard=$(ulimit -Hn)
  want=${1:-$hard}
  if [ "$hard" != unlimited ] && [ "$want" -gt "$hard" ]; then want=$hard; fi
  ulimit -n "$want"
}

start_bridge() {  # the quic-go "hundred-line bridge" (uses start_gateway's tls/); sets BRIDGE_PORT, BRIDGE_PID
  BRIDGE_PORT=$(free_port udp)
  "$BRIDGE" -listen "127.0.0.1:$BRIDGE_PORT" -upstream "127.0.0.1:$BROKER_PORT" \
    -cert "$WORK/tls/dev.crt" -key "$WORK/tls/dev.key" > "$WORK/bridge.log" 2>&1 &
  BRIDGE_PID=$!
  PIDS+=("$BRIDGE_PID")
  sleep 0.3
  kill -0 "$BRIDGE_PID" 2>/dev/null || { echo "bench: the bridge did not start" >&2; return 1; }
}

start_impair() {  # start_impair TARGET_PORT LOSS REORDER SEED; sets IMPAIR_PORT, IMPAIR_PID
  local out=$WORK/impair-$1-$2-$3.out
  "$IMPAIR" --listen 127.0.0.1:0 --target "127.0.0.1:$1" --loss "$2" --reorder "$3" --seed "$4" \
    > "$out" 2>&1 &
  IMPAIR_PID=$!
  PIDS+=("$IMPAIR_PID")
  IMPAIR_PORT=""
  for _ in $(seq 1 100); do
    IMPAIR_PORT=$(sed -n 's/^listening .*:\([0-9][0-9]*\)$/\1/p' "$out")
    [ -n "$IMPAIR_PORT" ] && return 0
    sleep 0.05
  done
  echo "bench: udp-impair did not start:" >&2; cat "$out" >&2
  return 1
}

stop_pid() {  # stop_pid PID: TERM one process this script started and reap it
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# bench_json OUT ARGS...: mqttd-bench ARGS --json --quiet > OUT. mqttd-bench's own non-zero exit
# (failed connections, gaps) is a measured result, not a broken run; no JSON at all is.
bench_json() {
  local out=$1; shift
  "$BENCH" "$@" --json --quiet > "$out" 2>> "$WORK/bench.err" || true
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
    echo "bench: no summary from: mqttd-bench $*" >&2
    return 1
  fi
}

# bench_bg OUT ARGS...: the same in the background (the process itself, so it can be signalled:
# SIGTERM makes mqttd-bench stop and print its summary); sets BG_PID. Then: wait; bench_check OUT.
bench_bg() {
  local out=$1; shift
  "$BENCH" "$@" --json --quiet > "$out" 2>> "$WORK/bench.err" &
  BG_PID=$!
}
bench_check() {  # bench_check OUT: fails (the run broke) when OUT holds no mqttd-bench summary
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; then
    echo "bench: no mqttd-bench summary in $1" >&2
    return 1
  fi
}

jget() {  # jget FILE a.b.c -> that field of a JSON file (0 when absent)
  python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k, 0) if isinstance(v, dict) else 0
print(v)' "$1" "$2"
}

calc() {  # calc 'PYTHON EXPRESSION' -> its value; floats to 3 significant digits (integers above 100)
  python3 -c "
from math import *
v = ($1)
if isinstance(v, float):
    v = ('%.3g' % v) if abs(v) < 100 else ('%.0f' % v)
print(v)"
}

# One table per script, fixed columns: figure | measured | goal | verdict.
table_header() {  # table_header [TITLE]
  [ -n "${1:-}" ] && printf '%s\n' "$1"
  printf '%-58s %16s   %-26s %s\n' "figure" "measured" "goal" "verdict"
  printf -- '-%.0s' $(seq 1 112); printf '\n'
}
row() {  # row LABEL VALUE [UNIT] [NOTE]: a figure without a goal
  printf '%-58s %16s   %-26s %s\n' "$1" "$2${3:+ $3}" "-" "${4:-}"
}
section() { printf '%s\n' "[$1]"; }
