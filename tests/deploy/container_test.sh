#!/usr/bin/env bash
# The container image, built and run for real: deploy/container/here.sh builds it (debootstrap
# base, buildah), podman + runc start it with host networking, a mounted config and a read-only
# root file system, in front of a real Mosquitto on the host. MQTT over QUIC goes through it both
# ways (mqttd-cli on the host), and SIGTERM must drain and exit 0.
#
# usage: container_test.sh STATE_DIR MQTTD_GW MQTTD_CLI   (the host builds: dev cert, client)
set -euo pipefail
STATE=$1
GW=$2
CLI=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=("$ROOT/deploy/container/here.sh" "$STATE")
# shellcheck source=../../scripts/ports.sh
source "$ROOT/scripts/ports.sh"
IMAGE=localhost/mqttd-gw:test
NAME=mqttd-gw-test-$$

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: building and running the image needs root (buildah, podman with runc)"
  exit 77
fi

WORK=$(mktemp -d /tmp/mqttd-container-XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  "${HERE[@]}" podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    for f in "$WORK"/*.log; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== build the image (deploy/container/here.sh)"
start=$SECONDS
"${HERE[@]}" build "$IMAGE" >"$WORK/build.log" 2>&1 || fail "image build failed"
echo "built in $((SECONDS - start)) s"

echo "== the image: non-root, only the runtime"
user=$("${HERE[@]}" podman image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = "10001:10001" ] || fail "image user is '$user', not 10001:10001"
entry=$("${HERE[@]}" podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$IMAGE")
[ "$entry" = '["mqttd-gw"] ["-c","/etc/mqttd/gw.yaml"]' ] || fail "entrypoint/cmd: $entry"
for tool in g++ c++ meson ninja; do
  if "${HERE[@]}" podman run --rm --entrypoint /bin/sh "$IMAGE" -c "command -v $tool" >/dev/null; then
    fail "the runtime image contains the build tool $tool"
  fi
done
version=$("${HERE[@]}" podman run --rm "$IMAGE" --version)
echo "image runs: $version"
size=$("${HERE[@]}" podman image inspect --format '{{.Size}}' "$IMAGE")
echo "image size: $((size / 1000000)) MB"

echo "== a real Mosquitto on the host, the image in front of it"
broker_port=$(free_port tcp)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$broker_port" \
  >"$WORK/mosquitto.conf"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
PIDS+=($!)
wait_tcp "$broker_port"

quic_port=$(free_port udp)
admin_port=$(free_port tcp)
conf=$WORK/conf
mkdir -p "$conf"
"$GW" --dev-cert "$conf/tls" >/dev/null
# The key stays private: readable by the image's user only, as a Kubernetes Secret with fsGroup.
chown -R 10001:10001 "$conf/tls"
cat >"$conf/gw.yaml" <<YAML
upstream:
  address: 127.0.0.1:$broker_port
listeners:
  quic:
    address: 127.0.0.1:$quic_port
    cert: tls/dev.crt
    key: tls/dev.key
admin:
  address: 127.0.0.1:$admin_port
log:
  format: json
drain_timeout: 2s
YAML
"${HERE[@]}" podman run -d --name "$NAME" --network host --read-only \
  -v "$conf:/etc/mqttd:ro" "$IMAGE" >/dev/null || fail "podman run failed"

ready=0
wait_ready "$admin_port" && ready=1
"${HERE[@]}" podman logs "$NAME" >"$WORK/gateway.log" 2>&1 || true
[ "$ready" = 1 ] || fail "/readyz never answered 200"
echo "/readyz 200"

echo "== MQTT over QUIC through the container, both ways"
cli() { local command=$1; shift; "$CLI" "$command" -h 127.0.0.1 -p "$quic_port" --cafile "$conf/tls/dev.crt" "$@"; }
# A QUIC subscriber through the gateway, a TCP publisher straight to the broker.
cli sub -t 'image/down' -C 1 -W 20 -i image-sub >"$WORK/sub.out" 2>"$WORK/sub.log" &
sub_pid=$!
PIDS+=("$sub_pid")
# A TCP subscriber at the broker, a QUIC publisher through the gateway.
mosquitto_sub -h 127.0.0.1 -p "$broker_port" -t 'image/up' -C 1 -W 20 >"$WORK/broker_sub.out" &
broker_sub=$!
PIDS+=("$broker_sub")
sleep 0.5
cli pub -t 'image/up' -m 'hello from the host over QUIC' -q 1 2>"$WORK/pub.log" ||
  fail "mqttd-cli pub over QUIC failed"
wait "$broker_sub" || fail "the broker never got the QUIC publish"
[ "$(cat "$WORK/broker_sub.out")" = 'hello from the host over QUIC' ] ||
  fail "the broker got '$(cat "$WORK/broker_sub.out")'"
echo "QUIC publish reached Mosquitto"
for _ in $(seq 1 20); do
  mosquitto_pub -h 127.0.0.1 -p "$broker_port" -t 'image/down' -m 'hello from the broker' -q 1
  [ -s "$WORK/sub.out" ] && break
  sleep 0.25
done
wait "$sub_pid" || fail "the QUIC subscriber got nothing"
[ "$(cat "$WORK/sub.out")" = 'hello from the broker' ] || fail "the QUIC subscriber got '$(cat "$WORK/sub.out")'"
echo "broker message reached the QUIC subscriber"

echo "== SIGTERM drains and exits 0"
# A subscriber still connected when the stop comes: the drain closes it after drain_timeout.
cli sub -t 'image/#' -W 30 -i image-drain >/dev/null 2>"$WORK/drain_sub.log" &
PIDS+=($!)
sleep 0.5
start=$SECONDS
"${HERE[@]}" podman stop -t 20 "$NAME" >/dev/null
elapsed=$((SECONDS - start))
code=$("${HERE[@]}" podman inspect --format '{{.State.ExitCode}}' "$NAME")
"${HERE[@]}" podman logs "$NAME" >"$WORK/gateway.log" 2>&1 || true
grep -q '"msg":"draining".*"signal":"SIGTERM"' "$WORK/gateway.log" ||
  fail "no drain on SIGTERM in the gateway's log"
grep -q '"msg":"drained; exiting"' "$WORK/gateway.log" || fail "the gateway did not finish its drain"
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
[ "$elapsed" -lt 20 ] || fail "the stop took ${elapsed}s: podman had to kill it"
echo "stopped by SIGTERM in ${elapsed}s, exit code 0"
echo "container test passed"
