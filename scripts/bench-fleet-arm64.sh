#!/usr/bin/env bash
# The sensor-fleet benchmark (scripts/bench-fleet.mjs) with both brokers in an emulated arm64
# Debian bookworm chroot (qemu-user-static, the rootfs of scripts/arm-smoke.sh): Midge from the
# arm64 release artefact (with this tree's dist/ copied over it) on the official arm64 Node, vs
# Debian's arm64 mosquitto. The load generator and the cloud mosquitto run on the host.
# Absolute figures under emulation mean nothing; the ratio says whether ARM is pathological.
#
#   scripts/bench-fleet-arm64.sh [ARTEFACT.tar.gz] [-- bench-fleet.mjs options, e.g. --rounds 3 --scale 0.1]
# Needs root, qemu-user-static, binfmt-support, debootstrap; build the artefact first
# (scripts/build-release.sh arm64).
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"
set_arch arm64
VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
ARTEFACT="$PKG_ROOT/build/release/midge-$VERSION-linux-arm64.tar.gz"
if [ $# -gt 0 ] && [ "$1" != -- ]; then ARTEFACT="$1"; shift; fi
[ "${1:-}" = -- ] && shift
[ -f "$ARTEFACT" ] || die "no artefact $ARTEFACT (run scripts/build-release.sh arm64)"
[ -f "$PKG_ROOT/dist/cli.js" ] || die "no dist/ (npm run build)"

ROOT="$(ensure_rootfs run)"
trap 'umount_chroot "$ROOT"' EXIT
mount_chroot "$ROOT"
if [ ! -x "$ROOT/usr/sbin/mosquitto" ]; then
  log "installing Debian's mosquitto in the chroot"
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends mosquitto' >"$PKG_WORK/bench-fleet-apt.log" 2>&1 \
    || { tail -n 20 "$PKG_WORK/bench-fleet-apt.log" >&2; die "apt-get install mosquitto in the chroot failed"; }
fi
rm -rf "$ROOT/opt/midge" && mkdir -p "$ROOT/opt/midge"
tar xzf "$ARTEFACT" -C "$ROOT/opt/midge" --strip-components=1
rm -rf "$ROOT/opt/midge/dist" && cp -a "$PKG_ROOT/dist" "$ROOT/opt/midge/dist"
NODE_VERSION="$(node -p 'require(process.argv[1]).node.built_against' "$ROOT/opt/midge/manifest.json")"
NODE_DIR="$(fetch_node "$NODE_VERSION")"
[ -x "$ROOT/opt/node/bin/node" ] || cp -a "$NODE_DIR" "$ROOT/opt/node"
log "mosquitto in the chroot: $(chroot "$ROOT" /usr/sbin/mosquitto -h 2>&1 | head -n 1)"
node "$PKG_ROOT/scripts/bench-fleet.mjs" --root "$ROOT" "$@"
