#!/usr/bin/env bash
# tests/deploy/k8s/npm_install.sh WORKDIR: the pinned npm packages of package-lock.json in
# WORKDIR/node/node_modules (npm ci), once per lock file; prints WORKDIR/node. Used by run.sh
# and by the kube play test.
set -euo pipefail
workdir=$1
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "deploy/kubernetes: $*" >&2; exit 1; }
command -v node > /dev/null || fail "node not found (Node.js >= 18 and npm are needed)"
command -v npm > /dev/null || fail "npm not found (Node.js >= 18 and npm are needed)"

# npm ci deletes node_modules and installs again each time: skip it while the lock file is the
# one installed last.
node_dir=$workdir/node
mkdir -p "$node_dir"
if ! cmp -s "$here/package-lock.json" "$node_dir/installed-lock.json" \
    || [ ! -d "$node_dir/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
  rm -f "$node_dir/installed-lock.json"
  echo "npm ci in $node_dir" >&2
  if ! (cd "$node_dir" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts \
          --loglevel=error --cache "$workdir/npm-cache") > "$workdir/npm-ci.log" 2>&1; then
    cat "$workdir/npm-ci.log" >&2
    fail "npm ci failed (log above; the npm registry must be reachable on the first run)"
  fi
  cp "$here/package-lock.json" "$node_dir/installed-lock.json"
fi
# The scripts import their packages relative to their own location: copies beside them.
cp "$here"/*.mjs "$node_dir/"
echo "$node_dir"
