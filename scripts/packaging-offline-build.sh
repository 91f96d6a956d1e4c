#!/usr/bin/env bash
# Buildroot's offline build of the midge package, done for this machine's
# architecture with its compiler and Node (a Buildroot cross toolchain and
# target Node take hours to build): the two source tarballs of
# scripts/packaging-source.sh are extracted as Buildroot extracts them
# (midge-<v>.tgz with --strip-components=1, then the node_modules tarball over
# it, as MIDGE_POST_EXTRACT_HOOKS does), the addons named by MIDGE_ADDONS in
# buildroot/package/midge/midge.mk are rebuilt by `npm rebuild --offline` in a
# network namespace without interfaces (unshare -n: any download fails), the
# prune script runs, and the result must start: `midge --version`, every
# addon loads, no SQLite source or shell script is left.
#
#   scripts/packaging-offline-build.sh SOURCE_DIR     (holds the two tarballs)
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

SRC="${1:?usage: packaging-offline-build.sh SOURCE_DIR}"
VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
command -v unshare >/dev/null || die "unshare (util-linux) is needed"
B="$(mktemp -d)"
trap 'rm -rf "$B"' EXIT

gzip -d -c "$SRC/midge-$VERSION.tgz" | tar --strip-components=1 -C "$B" -xf -
gzip -d -c "$SRC/midge-node-modules-$VERSION.tar.gz" | tar -C "$B" -xf -

# The addon list of midge.mk; node-libgpiod only where libgpiod's header is (BR2_PACKAGE_LIBGPIOD)
addons="$(sed -n 's/^MIDGE_ADDONS = //p' "$PKG_ROOT/buildroot/package/midge/midge.mk")"
[ -n "$addons" ] || die "no MIDGE_ADDONS line in midge.mk"
if [ -e /usr/include/gpiod.h ]; then optional=node-libgpiod; else optional='' && rm -rf "$B/node_modules/node-libgpiod"; fi
addons="${addons//\$(MIDGE_ADDONS_OPTIONAL)/$optional}"

# Node's headers: those of the running Node (as Buildroot's nodedir is the target's staging)
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ -e "$NODE_PREFIX/include/node/node_version.h" ] || NODE_PREFIX="$(set_arch x64 && fetch_node "$(node -p process.versions.node)")"
log "npm rebuild --offline $addons (no network; headers from $NODE_PREFIX)"
# shellcheck disable=SC2086 # the addon list is split on purpose
(cd "$B" && unshare -n env npm_config_build_from_source=true npm_config_nodedir="$NODE_PREFIX" \
  npm_config_cache="$B/.npm-cache" npm rebuild --offline --foreground-scripts $addons >"$B/rebuild.log" 2>&1) ||
  { tail -n 30 "$B/rebuild.log" >&2; die "offline npm rebuild failed"; }
sh "$B/packaging/prune-node-modules.sh" "$B/node_modules"

[ "$(node "$B/dist/cli.js" --version)" = "midge $VERSION" ] || die "midge --version does not say midge $VERSION"
for a in $addons; do
  f="$(find "$B/node_modules/$a/build/Release" -maxdepth 1 -name '*.node' | head -n1)"
  [ -n "$f" ] || die "$a: no addon built"
  node -e 'process.dlopen({ exports: {} }, process.argv[1])' "$f" || die "$a: $f does not load"
done
node -e 'const D = require(process.argv[1]); new D(":memory:").prepare("select 1").get()' "$B/node_modules/better-sqlite3"
left="$(find "$B/node_modules" \( -name 'sqlite3.c' -o -name '*.sh' -o -name prebuilds \) -print)"
[ -z "$left" ] || die "left after the prune: $left"
log "offline build of midge-$VERSION: $(du -sh "$B/node_modules" | cut -f1) node_modules, addons: $addons"
