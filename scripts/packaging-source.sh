#!/usr/bin/env bash
# Source tarball for the distribution builds (Buildroot, Yocto, OpenWrt), and
# the npm-shrinkwrap.json they install dependencies from.
#
#   scripts/packaging-source.sh [--shrinkwrap-only] [--update-hashes] [--out DIR]
#
# 1. npm-shrinkwrap.json = package-lock.json with `resolved` registry URLs
#    (this machine's npm config omits them; scripts/packaging-shrinkwrap.mjs
#    adds the registry's tarball URL, integrity stays as locked); written to
#    yocto-layer/recipes-connectivity/midge/files/npm-shrinkwrap.json.
# 2. midge-<version>.tgz (npm pack layout: package/ with package.json,
#    npm-shrinkwrap.json, dist/, midge.example.yaml, README.md) in build/release/,
#    made reproducibly: the same tree gives the same bytes.
# 3. --update-hashes writes its sha256 into buildroot/package/midge/midge.hash,
#    the Yocto recipe's SRC_URI[sha256sum] and the OpenWrt Makefile's PKG_HASH.
#    Do this when cutting a release (any change under src/ changes the tarball).
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

OUT="$PKG_ROOT/build/release" UPDATE=0 SHRINKWRAP_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --update-hashes) UPDATE=1; shift ;;
    --shrinkwrap-only) SHRINKWRAP_ONLY=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
SHRINKWRAP="$PKG_ROOT/yocto-layer/recipes-connectivity/midge/files/npm-shrinkwrap.json"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# --- npm-shrinkwrap.json with resolved fields, same versions as package-lock.json ------
mkdir -p "$(dirname "$SHRINKWRAP")"
node "$PKG_ROOT/scripts/packaging-shrinkwrap.mjs" "$PKG_ROOT/package-lock.json" "$SHRINKWRAP"
log "wrote ${SHRINKWRAP#"$PKG_ROOT"/}"
[ "$SHRINKWRAP_ONLY" = 0 ] || exit 0

# --- source tarball ---------------------------------------------------------------------
(cd "$PKG_ROOT" && npm run --silent build)
mkdir -p "$WORK/package" "$OUT"
cp -R "$PKG_ROOT/dist" "$WORK/package/dist" && find "$WORK/package/dist" -name '*.map' -delete
cp "$PKG_ROOT"/{package.json,midge.example.yaml,README.md} "$WORK/package/"
cp "$SHRINKWRAP" "$WORK/package/npm-shrinkwrap.json"
# npm pack layout (top folder package/), but reproducible: sorted, fixed times and owners, gzip -n
TGZ="midge-$VERSION.tgz"
tar -C "$WORK" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=go-w -cf - package | gzip -9n >"$OUT/$TGZ"
SUM="$(sha256_of "$OUT/$TGZ")"
log "built $OUT/$TGZ sha256 $SUM"

if [ "$UPDATE" = 1 ]; then
  printf '# sha256 of the tarball made by scripts/packaging-source.sh --update-hashes\nsha256  %s  %s\n' "$SUM" "$TGZ" \
    >"$PKG_ROOT/buildroot/package/midge/midge.hash"
  sed -i "s/^MIDGE_VERSION = .*/MIDGE_VERSION = $VERSION/" "$PKG_ROOT/buildroot/package/midge/midge.mk"
  for bb in "$PKG_ROOT"/yocto-layer/recipes-connectivity/midge/midge_*.bb; do
    sed -i "s/^SRC_URI\[sha256sum\] = .*/SRC_URI[sha256sum] = \"$SUM\"/" "$bb"
    [ "$bb" = "$PKG_ROOT/yocto-layer/recipes-connectivity/midge/midge_$VERSION.bb" ] || git -C "$PKG_ROOT" mv "$bb" \
      "$PKG_ROOT/yocto-layer/recipes-connectivity/midge/midge_$VERSION.bb"
  done
  sed -i "s/^PKG_VERSION:=.*/PKG_VERSION:=$VERSION/; s/^PKG_HASH:=.*/PKG_HASH:=$SUM/" "$PKG_ROOT/openwrt/midge/Makefile"
  log "updated midge.hash, the Yocto recipe and the OpenWrt Makefile for $VERSION"
fi
