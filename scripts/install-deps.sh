#!/usr/bin/env bash
# Installs what mqttd-gw needs, from Debian 12 packages. The one list of packages: the README's
# commands, .ci/run and the container image (deploy/container/Containerfile) all call this script.
#
#   scripts/install-deps.sh            everything: build, tests, demo, container checks (default)
#   scripts/install-deps.sh build      only what a release build of the binaries needs
#   scripts/install-deps.sh runtime    only the shared libraries the mqttd-gw binary loads
#
# A no-op when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

RUNTIME=(
  libevent-2.1-7 libevent-pthreads-2.1-7 libyaml-cpp0.7
  libngtcp2-9 libngtcp2-crypto-gnutls2 libgnutls30
)
BUILD=(
  meson ninja-build pkg-config g++
  libevent-dev libyaml-cpp-dev
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
)
TEST=(
  libgtest-dev libgmock-dev
  mosquitto mosquitto-clients
  # the independent QUIC stack of the interop tests (tests/interop/quicgo)
  golang-go golang-github-lucas-clemente-quic-go-dev
  # fuzzing (libFuzzer) and the sanitizer runtime
  clang libclang-rt-14-dev
  # deployment checks: systemd-analyze verify of deploy/systemd/mqttd-gw.service
  systemd
  # the container image, built and run here without a registry or a Docker engine
  # (deploy/container/here.sh): debootstrap makes the base image, buildah builds, podman + runc run;
  # `podman kube play` of the Kubernetes overlay needs a pause binary and the CNI bridge
  debootstrap buildah podman runc catatonit containernetworking-plugins iptables
)

case "${1:-all}" in
  runtime) PACKAGES=("${RUNTIME[@]}") ;;
  build) PACKAGES=("${BUILD[@]}") ;;
  all) PACKAGES=("${BUILD[@]}" "${TEST[@]}") ;;
  *) echo "usage: $0 [all|build|runtime]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The Kubernetes manifest checks (tests/deploy/k8s) run on Node.js >= 18 with npm. Debian's
# nodejs and npm only when there is none: a Node.js from another source (the CI machines' own)
# conflicts with Debian's npm package.
if [ "${1:-all}" = all ]; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
