#!/bin/sh
# Build mqtt-quic-client and mqtt-quic-bridge offline against Debian's
# packaged quic-go (GOPATH mode, no module proxy).
#   usage: tests/interop/quicgo/build.sh OUTDIR
# Needs: apt-get install golang-go golang-github-lucas-clemente-quic-go-dev
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

gocode=${QUICGO_GOPATH:-/usr/share/gocode}
if ! command -v go >/dev/null 2>&1; then
	echo "$0: Go toolchain not found; install it with: apt-get install golang-go" >&2
	exit 3
fi
if [ ! -f "$gocode/src/github.com/lucas-clemente/quic-go/client.go" ]; then
	echo "$0: quic-go not found under $gocode/src; install it with:" \
		"apt-get install golang-github-lucas-clemente-quic-go-dev" >&2
	exit 3
fi

# GOPATH mode resolves every import from $gocode/src: no go.mod, no network.
export GO111MODULE=off GOPATH="$gocode" GOFLAGS= GOPROXY=off CGO_ENABLED=0
[ -n "${GOCACHE:-}" ] || [ -n "${HOME:-}" ] || export GOCACHE="$out/.gocache"

cd "$here"
for cmd in mqtt-quic-client mqtt-quic-bridge; do
	go build -trimpath -o "$out/$cmd" "./cmd/$cmd"
done
echo "built $out/mqtt-quic-client $out/mqtt-quic-bridge ($(go version | cut -d' ' -f3))"
