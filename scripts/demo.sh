#!/usr/bin/env bash
# The demo: installs and builds mqttd-gw, starts a real Mosquitto on a free loopback port and
# `mqttd-gw -c deploy/examples/gw.yaml` in front of it (TCP and QUIC listeners, a generated
# development certificate), shows an mqttd-cli publish/subscribe over QUIC, prints how to try
# it yourself, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
[ -d build ] || meson setup build
meson compile -C build mqttd-gw mqttd-cli

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p"; then echo "$p"; return; fi
  done
  echo "demo: no free port found" >&2
  exit 1
}
pick() { if port_free "$1"; then echo "$1"; else free_port; fi; }
udp_free() {
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
pick_udp() {
  local p=$1
  for _ in $(seq 1 200); do
    if udp_free "$p"; then echo "$p"; return; fi
    p=$((20000 + RANDOM % 40000))
  done
  echo "demo: no free UDP port found" >&2
  exit 1
}

work=$(mktemp -d /tmp/mqttd-demo-XXXXXX)
broker_port=$(pick 1883)
tcp_port=$(pick 11883)
admin_port=$(pick 9100)
quic_port=$(pick_udp 14567)

cat > "$work/mosquitto.conf" <<CONF
listener $broker_port 127.0.0.1
allow_anonymous true
persistence false
CONF
# The example config, pointed at the ports chosen above.
sed -e "s/127\.0\.0\.1:1883/127.0.0.1:$broker_port/" \
    -e "s/127\.0\.0\.1:11883/127.0.0.1:$tcp_port/" \
    -e "s/127\.0\.0\.1:9100/127.0.0.1:$admin_port/" \
    -e "s/127\.0\.0\.1:14567/127.0.0.1:$quic_port/" deploy/examples/gw.yaml > "$work/gw.yaml"
# A self-signed certificate for localhost: development only (the example's tls/dev.*).
./build/src/app/mqttd-gw --dev-cert "$work/tls" > /dev/null

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  echo "demo: stopped"
}
trap cleanup INT TERM EXIT

/usr/sbin/mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do port_free "$broker_port" || break; sleep 0.05; done

./build/src/app/mqttd-gw -c "$work/gw.yaml" &
pids+=($!)
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null; then break; fi
  sleep 0.05
done

cli=./build/tools/mqttd-cli
quic_opts="-h 127.0.0.1 -p $quic_port --cafile $work/tls/dev.crt"
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null && \
     [ "$(exec 3<>"/dev/tcp/127.0.0.1/$admin_port"; printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3; head -c 12 <&3 | tail -c 3)" = "200" ]; then
    break
  fi
  sleep 0.1
done
echo
echo "demo: an MQTT round trip over QUIC through the gateway (mqttd-cli sub, then pub):"
$cli sub $quic_opts -t demo/quic -q 1 -C 1 -v -W 10 &
sub_pid=$!
sleep 0.5
$cli pub $quic_opts -t demo/quic -q 1 -m "hello over QUIC"
wait "$sub_pid" || echo "demo: the QUIC round trip did not complete (see the log above)"
echo
echo "demo: a tap route (routes: sensors/# -> handler audit): the broker gets the message and the"
echo "      audit handler appends its JSON to $work/audit.jsonl:"
$cli pub $quic_opts -t sensors/kitchen/temp -q 1 -m "21.5"
for _ in $(seq 1 50); do [ -s "$work/audit.jsonl" ] && break; sleep 0.1; done
tail -n 1 "$work/audit.jsonl" 2>/dev/null || echo "demo: no audit line (see the log above)"

cat <<MSG

mqttd-gw is running in front of Mosquitto (127.0.0.1:$broker_port):
  QUIC  127.0.0.1:$quic_port (UDP, ALPN mqtt, certificate $work/tls/dev.crt)
  TCP   127.0.0.1:$tcp_port
(config: $work/gw.yaml, rendered from deploy/examples/gw.yaml)

  over QUIC:  $cli sub $quic_opts -t 'demo/#' -v
              $cli pub $quic_opts -t demo/hello -m hi -q 1
  over TCP:   mosquitto_sub -h 127.0.0.1 -p $tcp_port -t 'demo/#' -v
              mosquitto_pub -h 127.0.0.1 -p $tcp_port -t demo/hello -m 'hi' -q 1
  tap route:  $cli pub $quic_opts -t sensors/x -m 42; tail -f $work/audit.jsonl
  health / readiness:             curl -s http://127.0.0.1:$admin_port/readyz
  metrics / connections:          curl -s http://127.0.0.1:$admin_port/metrics
                                  curl -s http://127.0.0.1:$admin_port/connections

Press Ctrl-C to stop the gateway and Mosquitto.
MSG
wait
