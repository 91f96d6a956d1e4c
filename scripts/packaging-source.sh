#!/usr/bin/env bash
# Source tarball for the distribution builds (Buildroot, Yocto, OpenWrt), and
# the npm-shrinkwrap.json they install dependencies from.
#
#   scripts/packaging-source.sh [--shrinkwrap-only] [--update-hashes | --check] [--out DIR]
#
# 1. npm-shrinkwrap.json = package-lock.json with `resolved` registry URLs
#    (this machine's npm config omits them; scripts/packaging-shrinkwrap.mjs
#    adds the registry's tarball URL, integrity stays as locked); written to
#    yocto-layer/recipes-connectivity/midge/files/npm-shrinkwrap.json.
# 2. midge-<version>.tgz (npm pack layout: package/ with package.json,
#    npm-shrinkwrap.json, dist/ compiled afresh from src/, board-configs/,
#    packaging/ (unit, default config, udev rules), midge.example.yaml,
#    README.md, LICENSE, THIRD-PARTY-LICENSES.md) in build/release/, made
#    reproducibly: the same commit gives the same bytes.
# 3. midge-node-modules-<version>.tar.gz beside it: node_modules/ with the
#    sources of every production dependency (npm ci --omit=dev --ignore-scripts
#    from npm-shrinkwrap.json), prebuilt binaries removed, for Buildroot's
#    offline build (MIDGE_EXTRA_DOWNLOADS; the build compiles the addons).
#    Also reproducible: it depends only on the lock file.
# 4. --update-hashes writes the sha256 of both into buildroot/package/midge/midge.hash,
#    that of the first into the Yocto recipe's SRC_URI[sha256sum] and the OpenWrt
#    Makefile's PKG_HASH (Yocto and OpenWrt fetch the dependencies from the lock).
#    Needed after any change to what the tarball holds (src/, board-configs/...):
#    --check (CI, test/unit/packaging-source.test.ts) fails until it is done.
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

OUT="$PKG_ROOT/build/release" UPDATE=0 SHRINKWRAP_ONLY=0 CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --update-hashes) UPDATE=1; shift ;;
    --shrinkwrap-only) SHRINKWRAP_ONLY=1; shift ;;
    --check) CHECK=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
SHRINKWRAP="$PKG_ROOT/yocto-layer/recipes-connectivity/midge/files/npm-shrinkwrap.json"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# --- npm-shrinkwrap.json with resolved fields, same versions as package-lock.json ------
# --check leaves the tree alone (test/unit/packaging-trees.test.ts compares the shrinkwrap)
if [ "$CHECK" = 1 ]; then
  node "$PKG_ROOT/scripts/packaging-shrinkwrap.mjs" "$PKG_ROOT/package-lock.json" "$WORK/npm-shrinkwrap.json"
  SHRINKWRAP="$WORK/npm-shrinkwrap.json"
else
  mkdir -p "$(dirname "$SHRINKWRAP")"
  node "$PKG_ROOT/scripts/packaging-shrinkwrap.mjs" "$PKG_ROOT/package-lock.json" "$SHRINKWRAP"
  log "wrote ${SHRINKWRAP#"$PKG_ROOT"/}"
fi
[ "$SHRINKWRAP_ONLY" = 0 ] || exit 0

# --- source tarball ---------------------------------------------------------------------
# dist/ compiled afresh (a stale file in the working dist/ must not change the hash)
mkdir -p "$WORK/package" "$OUT"
"$PKG_ROOT/node_modules/.bin/tsc" -p "$PKG_ROOT/tsconfig.json" --outDir "$WORK/package/dist" --sourceMap false
mkdir -p "$WORK/package/dist/status-page" # the page's static files, as scripts/copy-assets.mjs
cp -R "$PKG_ROOT/src/status-page/assets" "$WORK/package/dist/status-page/assets"
chmod 755 "$WORK/package/dist/cli.js"
cp "$PKG_ROOT"/{package.json,midge.example.yaml,README.md,LICENSE,THIRD-PARTY-LICENSES.md} "$WORK/package/"
cp -R "$PKG_ROOT/board-configs" "$WORK/package/board-configs" # for `midge --board NAME`
cp -R "$PKG_ROOT/packaging" "$WORK/package/packaging"         # unit, default config, udev rules
cp "$SHRINKWRAP" "$WORK/package/npm-shrinkwrap.json"
# npm pack layout (top folder package/), but reproducible: sorted, fixed times and owners, gzip -n
TGZ="midge-$VERSION.tgz"
tar -C "$WORK" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=go-w -cf - package | gzip -9n >"$OUT/$TGZ"
SUM="$(sha256_of "$OUT/$TGZ")"
log "built $OUT/$TGZ sha256 $SUM"

# --- node_modules sources (Buildroot's offline build) --------------------------------
NM_TGZ="midge-node-modules-$VERSION.tar.gz"
bash "$PKG_ROOT/scripts/packaging-node-modules.sh" "$SHRINKWRAP" "$OUT/$NM_TGZ"
NM_SUM="$(sha256_of "$OUT/$NM_TGZ")"
log "built $OUT/$NM_TGZ sha256 $NM_SUM"

# What midge.hash must list (Buildroot checks the licence files' hashes too, in legal-info)
EXPECTED="$(printf '%s %s\n' "$TGZ" "$SUM" "$NM_TGZ" "$NM_SUM" \
  LICENSE "$(sha256_of "$WORK/package/LICENSE")" THIRD-PARTY-LICENSES.md "$(sha256_of "$WORK/package/THIRD-PARTY-LICENSES.md")")"
# The hashes the three trees declare: "FILE NAME SHA256" lines
declared_hashes() {
  awk '/^sha256 /{print "buildroot/package/midge/midge.hash " $3 " " $2}' "$PKG_ROOT/buildroot/package/midge/midge.hash"
  local bb
  for bb in "$PKG_ROOT"/yocto-layer/recipes-connectivity/midge/midge_*.bb; do
    sed -n "s|^SRC_URI\[sha256sum\] = \"\(.*\)\"|${bb#"$PKG_ROOT"/} $TGZ \1|p" "$bb"
  done
  sed -n "s|^PKG_HASH:=\(.*\)|openwrt/midge/Makefile $TGZ \1|p" "$PKG_ROOT/openwrt/midge/Makefile"
}
if [ "$CHECK" = 1 ]; then
  declared="$(declared_hashes)"
  # a declared hash that is not the expected one, and a name midge.hash lacks
  stale="$(printf '%s\n' "$declared" | awk 'NR == FNR { want[$1] = $2; next } want[$2] != $3' <(printf '%s\n' "$EXPECTED") -)"
  while read -r name _; do
    printf '%s\n' "$declared" | grep -q "^buildroot/package/midge/midge.hash $name " ||
      stale="$stale${stale:+$'\n'}buildroot/package/midge/midge.hash has no line for $name"
  done <<<"$EXPECTED"
  [ "$(printf '%s\n' "$declared" | grep -c " $TGZ ")" -ge 3 ] || die "fewer than three declared hashes of $TGZ found"
  if [ -n "$stale" ]; then
    printf 'error: the sha256 are\n%s\nbut these declare another:\n%s\n' "$EXPECTED" "$stale" >&2
    printf 'update them with: scripts/packaging-source.sh --update-hashes\n' >&2
    exit 1
  fi
  log "buildroot/, yocto-layer/ and openwrt/ declare these tarballs' hashes"
fi

if [ "$UPDATE" = 1 ]; then
  { printf '# sha256 of the tarballs made by scripts/packaging-source.sh --update-hashes, and of the licence files\n'
    printf '%s\n' "$EXPECTED" | awk '{print "sha256  " $2 "  " $1}'
  } >"$PKG_ROOT/buildroot/package/midge/midge.hash"
  sed -i "s/^MIDGE_VERSION = .*/MIDGE_VERSION = $VERSION/" "$PKG_ROOT/buildroot/package/midge/midge.mk"
  for bb in "$PKG_ROOT"/yocto-layer/recipes-connectivity/midge/midge_*.bb; do
    sed -i "s/^SRC_URI\[sha256sum\] = .*/SRC_URI[sha256sum] = \"$SUM\"/" "$bb"
    [ "$bb" = "$PKG_ROOT/yocto-layer/recipes-connectivity/midge/midge_$VERSION.bb" ] || git -C "$PKG_ROOT" mv "$bb" \
      "$PKG_ROOT/yocto-layer/recipes-connectivity/midge/midge_$VERSION.bb"
  done
  sed -i "s/^PKG_VERSION:=.*/PKG_VERSION:=$VERSION/; s/^PKG_HASH:=.*/PKG_HASH:=$SUM/" "$PKG_ROOT/openwrt/midge/Makefile"
  log "updated midge.hash, the Yocto recipe and the OpenWrt Makefile for $VERSION"
fi
