#!/usr/bin/env bash
# Builds a release artefact: midge-<version>-linux-<arch>.tar.gz + .manifest.json
#
#   scripts/build-release.sh x64|arm64|armv7 [--addons cross|chroot|native] [--node VERSION]
#                            [--bundle-node] [--out DIR]
#
# The tarball holds dist/ (tsc output), production node_modules with the native
# addons compiled for the target, bin/midge, the systemd unit, udev rules, the
# default config and install.sh / uninstall.sh. Addons are always built from
# source (npm_config_build_from_source): nothing is downloaded from anywhere but
# the npm registry (and Debian, for the ARM userland / compilers).
#
# --addons cross   (default for arm64/armv7) Debian's cross compiler
#                  (g++-aarch64-linux-gnu / g++-arm-linux-gnueabihf) driven by
#                  node-gyp, the way Buildroot and Yocto cross-build addons. ~1-2 min.
# --addons chroot  compile inside an emulated Debian ARM chroot (qemu-user-static
#                  + debootstrap) with the target's own Node and gcc. ~10-15 min.
# --addons native  (x64) the host compiler.
# --node VERSION   Node whose headers/ABI the addons target (default: 20.x, ABI 115,
#                  which every Node 20 loads). The binary comes from npm node-linux-<arch>.
# --bundle-node    put that Node binary into the artefact (node/bin/node), for systems
#                  whose own Node is too old (Debian / Pi OS bookworm ship 18).
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

[ $# -ge 1 ] || die "usage: $0 x64|arm64|armv7 [--addons cross|chroot|native] [--node VERSION] [--bundle-node] [--out DIR]"
set_arch "$1"; shift
ADDONS=cross; [ "$TARGET_ARCH" = x64 ] && ADDONS=native
NODE_VERSION="$DEFAULT_NODE"; BUNDLE_NODE=0; OUT="$PKG_ROOT/build/release"
while [ $# -gt 0 ]; do
  case "$1" in
    --addons) ADDONS="$2"; shift 2 ;;
    --node) NODE_VERSION="$2"; shift 2 ;;
    --bundle-node) BUNDLE_NODE=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
case "$ADDONS" in cross | chroot | native) ;; *) die "--addons must be cross, chroot or native" ;; esac

VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
NAME="midge-$VERSION-linux-$TARGET_ARCH"
STAGE="$PKG_WORK/stage-$TARGET_ARCH/$NAME"
T0=$SECONDS

log "building $NAME (addons: $ADDONS, Node $NODE_VERSION)"
(cd "$PKG_ROOT" && npm run --silent build)
rm -rf "$PKG_WORK/stage-$TARGET_ARCH"

# --- application files ---------------------------------------------------------
stage_app_files "$STAGE"

# --- production node_modules with addons for the target ------------------------
NPM_CI=(npm ci --omit=dev --no-audit --no-fund --foreground-scripts)
export npm_config_build_from_source=true npm_config_update_notifier=false
case "$ADDONS" in
  native)
    if [ "$TARGET_ARCH" != x64 ] || [ "$(uname -m)" != x86_64 ]; then die "--addons native builds only for the host (x64)"; fi
    # The headers of the Node running this script (npm's nodedir setting, else node-gyp's own lookup).
    (cd "$STAGE" && "${NPM_CI[@]}" >"$STAGE.npm.log" 2>&1) || { tail -n 30 "$STAGE.npm.log" >&2; die "npm ci failed"; }
    ;;
  cross)
    [ -n "$CROSS" ] || die "--addons cross is for arm64/armv7"
    command -v "$CROSS-g++" >/dev/null || die "$CROSS-g++ missing (apt-get install g++-$CROSS)"
    NODE_DIR="$(fetch_node "$NODE_VERSION")"
    (cd "$STAGE" && CC="$CROSS-gcc" CXX="$CROSS-g++" AR="$CROSS-ar" LINK="$CROSS-g++" STRIP="$CROSS-strip" \
      npm_config_arch="$NODE_ARCH" npm_config_target_arch="$NODE_ARCH" npm_config_nodedir="$NODE_DIR" \
      npm_config_target="$NODE_VERSION" "${NPM_CI[@]}" >"$STAGE.npm.log" 2>&1) ||
      { tail -n 30 "$STAGE.npm.log" >&2; die "npm ci (cross) failed"; }
    ;;
  chroot)
    NODE_DIR="$(fetch_node "$NODE_VERSION")"
    ROOTFS="$(ensure_rootfs build)"
    trap 'umount_chroot "$ROOTFS"' EXIT
    mount_chroot "$ROOTFS"
    rm -rf --one-file-system "$ROOTFS/opt/node" "$ROOTFS/opt/npm" && mkdir -p "$ROOTFS/opt" "$ROOTFS/work"
    cp -a "$NODE_DIR" "$ROOTFS/opt/node"
    cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$ROOTFS/opt/npm" # npm is plain JS
    mount --bind "$STAGE" "$ROOTFS/work"
    chroot "$ROOTFS" /usr/bin/env -i HOME=/root PATH=/opt/node/bin:/usr/bin:/bin \
      npm_config_build_from_source=true npm_config_nodedir=/opt/node npm_config_userconfig=/dev/null \
      npm_config_cafile=/etc/ssl/certs/ca-certificates.crt npm_config_update_notifier=false \
      JOBS="$(nproc)" /bin/sh -c "cd /work && /opt/node/bin/node /opt/npm/bin/npm-cli.js ci --omit=dev --no-audit --no-fund --foreground-scripts" \
      >"$STAGE.npm.log" 2>&1 || { tail -n 30 "$STAGE.npm.log" >&2; die "npm ci in the $DEB_ARCH chroot failed"; }
    umount_chroot "$ROOTFS"; trap - EXIT
    ;;
esac

# --- prune build leftovers and foreign prebuilds, strip addons ------------------
find "$STAGE/node_modules" -name binding.gyp -printf '%h\n' | while read -r pkg; do
  if [ -d "$pkg/build/Release" ]; then
    find "$pkg/build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} +
    find "$pkg/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  fi
  rm -rf "$pkg/deps" "$pkg/src"
done
find "$STAGE/node_modules" -name 'test_extension.node' -delete # better-sqlite3's own test fixture
# prebuilds/<platform>-<arch>/ of other targets (node-gyp-build layout)
find "$STAGE/node_modules" -type d -path '*/prebuilds/*' -prune ! -name "linux-$NODE_ARCH" -exec rm -rf {} +
# docs, type declarations, source maps (licences stay)
find "$STAGE/node_modules" -type f \( -name '*.md' -o -name '*.ts' -o -name '*.map' \) ! -iname 'licen[cs]e*' -delete
find "$STAGE/node_modules" -mindepth 2 -maxdepth 3 -type d \( -name .github -o -name .husky -o -name test -o -name tests \
  -o -name __tests__ -o -name example -o -name examples -o -name benchmarks -o -name docs \) -prune -exec rm -rf {} +
find "$STAGE/node_modules" -type f \( -name '.travis.yml' -o -name '.eslintrc*' -o -name '.npmignore' -o -name '.editorconfig' \) -delete
STRIP_BIN="${CROSS:+$CROSS-}strip"
if command -v "$STRIP_BIN" >/dev/null; then find "$STAGE/node_modules" -name '*.node' -exec "$STRIP_BIN" --strip-unneeded {} +; fi

if [ "$BUNDLE_NODE" = 1 ]; then
  NODE_DIR="$(fetch_node "$NODE_VERSION")"
  mkdir -p "$STAGE/node/bin" && cp "$NODE_DIR/bin/node" "$STAGE/node/bin/node" && cp "$NODE_DIR/LICENSE" "$STAGE/node/"
fi

# --- manifest (checks every addon's ELF machine) and tarball -------------------
mkdir -p "$OUT"
MIDGE_SOURCE_DIR="$PKG_ROOT" node "$PKG_ROOT/scripts/packaging-manifest.mjs" stage "$STAGE" "$TARGET_ARCH" "$ELF_MACHINE" "$NODE_VERSION" "$ADDONS" "$BUNDLE_NODE"
tar -C "$(dirname "$STAGE")" --owner=0 --group=0 --numeric-owner -czf "$OUT/$NAME.tar.gz" "$NAME"
node "$PKG_ROOT/scripts/packaging-manifest.mjs" artefact "$STAGE/manifest.json" "$OUT/$NAME.tar.gz" "$OUT/$NAME.manifest.json"
(cd "$OUT" && sha256sum "$NAME.tar.gz" >"$NAME.tar.gz.sha256")
log "built $OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1)) in $((SECONDS - T0)) s"
