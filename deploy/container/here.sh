#!/usr/bin/env bash
# Builds and runs the mqttd-gw image on a Debian 12 host with no registry and no Docker engine
# (this project's CI machines): buildah and podman from Debian, as root.
#
#   deploy/container/here.sh STATE build [TAG [FILE]]  base image (once), then the Containerfile
#                                                  (or FILE, built on the same base)
#   deploy/container/here.sh STATE podman ARGS...  podman with this STATE's configuration
#
# STATE is a directory of our own: containers.conf, storage.conf and registries.conf are written
# there, and the image store lives there, so nothing under /etc/containers or /var/lib/containers
# is read or changed. The settings are the ones these hosts need: runc (crun fails on hybrid
# cgroups), cgroupfs as cgroup manager (no systemd), ulimits no higher than the caller's hard
# limits, host networking, no registry search.
#
# The base image is a debootstrap --variant=minbase root file system of bookworm, from the Debian
# mirror that the host's apt uses (read from its sources at run time), with the host's apt
# sources and settings copied in, imported with `podman import` as localhost/mqttd-base:bookworm.
set -euo pipefail

usage() { echo "usage: $0 STATE build [TAG [CONTAINERFILE]] | $0 STATE podman ARGS..." >&2; exit 2; }
[ $# -ge 2 ] || usage
STATE=$(realpath -m "$1")
shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BASE=localhost/mqttd-base:bookworm

write_config() {  # write_config ULIMIT...: the default ulimits, beside nofile
  mkdir -p "$STATE/conf" "$STATE/storage" "$STATE/run" "$STATE/tmp"
  local limits
  limits=$(printf ', "%s"' "nofile=$(ulimit -Hn):$(ulimit -Hn)" "$@")
  cat >"$STATE/conf/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$STATE/storage"
runroot = "$STATE/run"
EOF
  cat >"$STATE/conf/containers.conf" <<EOF
[containers]
default_ulimits = [${limits#, }]
netns = "host"
cgroupns = "host"
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$STATE/run/events.log"
tmp_dir = "$STATE/tmp"
EOF
  cat >"$STATE/conf/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "permissive"
EOF
  export CONTAINERS_CONF="$STATE/conf/containers.conf"
  export CONTAINERS_STORAGE_CONF="$STATE/conf/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$STATE/conf/registries.conf"
  export TMPDIR="$STATE/tmp"
}

# The first deb URI that serves bookworm's main component, from apt's one-line or deb822 sources.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { sub(/^deb +(\[[^]]*\] +)?/, ""); if ($2 == "bookworm") { print $1; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; deb = 0; suite = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:.*(^|[ \t])deb([ \t]|$)/) deb = 1
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) suite = 1
          if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] } }
        if (deb && suite && uri != "") { print uri; exit } }' "$f"
  done
}

make_base() {
  if podman image exists "$BASE"; then return; fi
  local mirror rootfs
  mirror=$(debian_mirror | head -1)
  [ -n "$mirror" ] || { echo "here.sh: no bookworm mirror in apt's sources" >&2; exit 1; }
  rootfs="$STATE/rootfs"
  rm -rf "$rootfs"
  echo "here.sh: debootstrap --variant=minbase bookworm from the host's apt mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$STATE/debootstrap.log" 2>&1 || {
    tail -20 "$STATE/debootstrap.log" >&2
    exit 1
  }
  # Fetch packages the way the host does: its sources (main, updates, security) and settings.
  rm -f "$rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list "$rootfs/etc/apt/" 2>/dev/null || true
  find /etc/apt/sources.list.d -maxdepth 1 \( -name '*.list' -o -name '*.sources' \) \
    -exec cp {} "$rootfs/etc/apt/sources.list.d/" \;
  find /etc/apt/apt.conf.d -maxdepth 1 -type f -exec cp {} "$rootfs/etc/apt/apt.conf.d/" \;
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import - "$BASE" >/dev/null
  rm -rf "$rootfs"
  echo "here.sh: base image $BASE imported"
}

command=$1
shift
case "$command" in
  build)
    write_config  # buildah's chroot isolation keeps its own process limit
    tag=${1:-mqttd-gw:$(sed -n "s/^  version: '\(.*\)',/\1/p" "$ROOT/meson.build")}
    file=$(realpath "${2:-$ROOT/deploy/container/Containerfile}")
    make_base
    buildah bud --isolation chroot --network host --layers \
      --build-arg BASE_IMAGE="$BASE" -f "$file" -t "$tag" "$ROOT"
    ;;
  podman)
    # podman's default process limit is above what these hosts allow, and runc may not raise a
    # limit (no CAP_SYS_RESOURCE here). podman's own children run with at most kernel.pid_max
    # processes, so the container gets the lower of that and the caller's hard limit.
    nproc=$(ulimit -Hu)
    pid_max=$(cat /proc/sys/kernel/pid_max)
    [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ] && nproc=$pid_max
    write_config "nproc=$nproc:$nproc"
    exec podman "$@"
    ;;
  *) usage ;;
esac
