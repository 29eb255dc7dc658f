#!/usr/bin/env bash
# Installs everything mqttd-gw needs to build, test and run its demo, from Debian 12 packages.
# The one list of packages: README, .ci/run and the container build all call this script.
# A no-op when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  meson ninja-build pkg-config g++
  libevent-dev libyaml-cpp-dev
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
  # tests
  libgtest-dev libgmock-dev
  mosquitto mosquitto-clients
  # the independent QUIC stack of the interop tests (tests/interop/quicgo)
  golang-go golang-github-lucas-clemente-quic-go-dev
  # fuzzing (libFuzzer) and the sanitizer runtime
  clang libclang-rt-14-dev
  # deployment checks: systemd-analyze verify of deploy/systemd/mqttd-gw.service
  systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
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
