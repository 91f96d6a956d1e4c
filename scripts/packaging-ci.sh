#!/usr/bin/env bash
# The packaging part of CI (called by .ci/run when CI=true; needs root for
# debootstrap/chroot). Prints how long each step took.
#   default:                source tarballs (hashes as declared) and Buildroot's offline build from them,
#                           x64 and arm64 artefacts (addons cross-compiled), smoke test of both
#   MIDGE_CI_ARMV7=1        also the armv7 artefact and its smoke test (~5 min more)
#   MIDGE_CI_EMULATED_BUILD=1  also build arm64 addons inside the emulated chroot (~15 min more)
# The ARM rootfs lives in a temporary folder for this run only and is removed at the end.
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

MIDGE_ROOTFS_DIR="$(mktemp -d /var/tmp/midge-rootfs.XXXXXX)"
export MIDGE_ROOTFS_DIR
cleanup() {
  local r
  for r in "$MIDGE_ROOTFS_DIR"/*/; do [ -d "$r" ] && remove_rootfs "${r%/}"; done
  rmdir "$MIDGE_ROOTFS_DIR" 2>/dev/null || rm -rf --one-file-system "$MIDGE_ROOTFS_DIR"
}
trap cleanup EXIT

step() {
  local t=$SECONDS
  log "== $*"
  "$@"
  log "== $* took $((SECONDS - t)) s"
}

# the source tarball of the distribution trees: its sha256 must be the one they declare
step bash "$PKG_ROOT/scripts/packaging-source.sh" --check --out "$MIDGE_ROOTFS_DIR/source"
# Buildroot's offline build from those two tarballs (host arch, no network while it compiles)
step bash "$PKG_ROOT/scripts/packaging-offline-build.sh" "$MIDGE_ROOTFS_DIR/source"
step bash "$PKG_ROOT/scripts/build-release.sh" x64
step bash "$PKG_ROOT/scripts/arm-smoke.sh" x64
step bash "$PKG_ROOT/scripts/build-release.sh" arm64
step bash "$PKG_ROOT/scripts/arm-smoke.sh" arm64
if [ "${MIDGE_CI_ARMV7:-0}" = 1 ]; then
  step bash "$PKG_ROOT/scripts/build-release.sh" armv7
  step bash "$PKG_ROOT/scripts/arm-smoke.sh" armv7
fi
if [ "${MIDGE_CI_EMULATED_BUILD:-0}" = 1 ]; then
  step bash "$PKG_ROOT/scripts/build-release.sh" arm64 --addons chroot --out "$PKG_ROOT/build/release-emulated"
  step bash "$PKG_ROOT/scripts/arm-smoke.sh" arm64 "$PKG_ROOT/build/release-emulated/midge-$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")-linux-arm64.tar.gz"
fi
for m in "$PKG_ROOT"/build/release/*.manifest.json; do
  # shellcheck disable=SC2016 # a JavaScript template literal
  node -e 'const m = require(process.argv[1]); console.log(`${m.artefact.file}: ${m.footprint.artefact_bytes} bytes, installed ${m.footprint.installed_bytes} bytes, idle RSS ${m.footprint.idle_rss_kib ?? m.footprint.idle_rss_kib_qemu} KiB${m.footprint.idle_rss_kib_qemu ? " (qemu)" : ""}`)' "$m"
done
log "packaging checks passed"
