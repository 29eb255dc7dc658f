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

source scripts/ports.sh
# The usual ports when they are free, so the printed commands are the familiar ones.
pick() { if port_free "$1" "$2"; then echo "$2"; else free_port "$1"; fi; }

work=$(mktemp -d /tmp/mqttd-demo-XXXXXX)
broker_port=$(pick tcp 1883)
tcp_port=$(pick tcp 11883)
admin_port=$(pick tcp 9100)
quic_port=$(pick udp 14567)

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
wait_tcp "$broker_port"

./build/src/app/mqttd-gw -c "$work/gw.yaml" &
pids+=($!)

cli=./build/tools/mqttd-cli
quic_opts="-h 127.0.0.1 -p $quic_port --cafile $work/tls/dev.crt"
wait_ready "$admin_port" || true  # the round trip below shows what went wrong
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
