#!/usr/bin/env bash
# tests/deploy/systemd_verify.sh UNIT BINARY: `systemd-analyze verify` of the unit with its
# /usr/bin/mqttd-gw pointed at BINARY (verify checks that executables exist). Fails on any
# finding: verify exits 0 on warnings such as an unknown key, so its output must be empty too.
set -euo pipefail
unit=$1 binary=$2
if ! command -v systemd-analyze > /dev/null; then
  echo "systemd-analyze not installed (scripts/install-deps.sh installs systemd)" >&2
  exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/mqttd-gw|$binary|g" "$unit" > "$dir/$(basename "$unit")"
out=$(cd "$dir" && systemd-analyze verify --man=no "./$(basename "$unit")" 2>&1) || {
  echo "$out"
  exit 1
}
if [ -n "$out" ]; then
  echo "systemd-analyze verify reported:"
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: $(basename "$unit") is clean"
