#!/usr/bin/env bash
# The second source tarball of the Buildroot package (MIDGE_EXTRA_DOWNLOADS):
# node_modules/ with the files of every production dependency as the npm
# registry ships them, so that `make midge-source` fetches everything and
# `make midge` then builds offline. Called by scripts/packaging-source.sh.
#
#   scripts/packaging-node-modules.sh LOCKFILE OUT.tar.gz
#
# - `npm ci --omit=dev --ignore-scripts` from LOCKFILE (npm-shrinkwrap.json):
#   no install script runs here, the addons (better-sqlite3, serialport,
#   epoll, node-libgpiod) are compiled by the Buildroot build step for the
#   target (`$(NPM) rebuild`, node-gyp against the target's Node headers);
# - prebuilt binaries removed (prebuilds/ folders, any *.node file), and npm's
#   hidden lock file (it records this install, not the sources);
# - fails when a production package of the lock was not installed (an
#   os/cpu-restricted package would make the tarball depend on this machine);
# - reproducible: sorted names, fixed time, owners and modes, gzip -n.
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

LOCK="${1:?usage: packaging-node-modules.sh LOCKFILE OUT.tar.gz}"
OUT_TGZ="${2:?usage: packaging-node-modules.sh LOCKFILE OUT.tar.gz}"
NM_WORK="$(mktemp -d)"
trap 'rm -rf "$NM_WORK"' EXIT

cp "$PKG_ROOT/package.json" "$NM_WORK/package.json"
cp "$LOCK" "$NM_WORK/npm-shrinkwrap.json"
(cd "$NM_WORK" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >"$NM_WORK/npm.log" 2>&1) ||
  { tail -n 20 "$NM_WORK/npm.log" >&2; die "npm ci --omit=dev --ignore-scripts failed"; }

# every production package of the lock is there (none skipped for this machine's os/cpu)
# shellcheck disable=SC2016 # a JavaScript template literal
node -e '
  const { existsSync } = require("node:fs");
  const lock = require(process.argv[1]);
  const missing = Object.entries(lock.packages)
    .filter(([path, meta]) => path !== "" && !meta.dev && !existsSync(`${process.argv[2]}/${path}/package.json`))
    .map(([path]) => path);
  if (missing.length) { console.error(`not installed on this machine: ${missing.join(" ")}`); process.exit(1); }
' "$NM_WORK/npm-shrinkwrap.json" "$NM_WORK" || die "the node_modules tarball would depend on this machine"

find "$NM_WORK/node_modules" -type d -name prebuilds -prune -exec rm -rf {} +
find "$NM_WORK/node_modules" -type f -name '*.node' -delete
rm -f "$NM_WORK/node_modules/.package-lock.json"

mkdir -p "$(dirname "$OUT_TGZ")"
tar -C "$NM_WORK" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX \
  -cf - node_modules | gzip -9n >"$OUT_TGZ"
