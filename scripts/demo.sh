#!/usr/bin/env bash
# The demo: installs and builds mqttd-gw, starts a real Mosquitto on a free loopback port and
# `mqttd-gw -c deploy/examples/gw.yaml` in front of it, prints how to publish and subscribe
# through the gateway, and stops both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
[ -d build ] || meson setup build
meson compile -C build mqttd-gw

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

work=$(mktemp -d /tmp/mqttd-demo-XXXXXX)
broker_port=$(pick 1883)
tcp_port=$(pick 11883)
admin_port=$(pick 9100)

cat > "$work/mosquitto.conf" <<CONF
listener $broker_port 127.0.0.1
allow_anonymous true
persistence false
CONF
# The example config, pointed at the ports chosen above.
sed -e "s/127\.0\.0\.1:1883/127.0.0.1:$broker_port/" \
    -e "s/127\.0\.0\.1:11883/127.0.0.1:$tcp_port/" \
    -e "s/127\.0\.0\.1:9100/127.0.0.1:$admin_port/" deploy/examples/gw.yaml > "$work/gw.yaml"

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

cat <<MSG

mqttd-gw is running: clients -> 127.0.0.1:$tcp_port (gateway, TCP) -> 127.0.0.1:$broker_port (Mosquitto)
(config: $work/gw.yaml, rendered from deploy/examples/gw.yaml)

  subscribe through the gateway:  mosquitto_sub -h 127.0.0.1 -p $tcp_port -t 'demo/#' -v
  publish through the gateway:    mosquitto_pub -h 127.0.0.1 -p $tcp_port -t demo/hello -m 'hi' -q 1
  health / readiness:             curl -s http://127.0.0.1:$admin_port/readyz
  metrics / connections:          curl -s http://127.0.0.1:$admin_port/metrics
                                  curl -s http://127.0.0.1:$admin_port/connections

Press Ctrl-C to stop the gateway and Mosquitto.
MSG
wait
