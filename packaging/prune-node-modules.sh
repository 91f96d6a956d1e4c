#!/bin/sh
# Removes from an installed node_modules what a target does not run: addon
# sources and build leftovers (SQLite's 9.5 MB sqlite3.c, the static library,
# better-sqlite3's test addon), every prebuilds/ folder (distribution builds
# compile the addons for their target) and shell scripts of the packages'
# own tooling (pino's inc-version.sh needs bash). Used by the Buildroot,
# Yocto and OpenWrt packages (it is in the source tarball as packaging/).
#   sh prune-node-modules.sh NODE_MODULES_DIR
set -eu
nm="${1:?usage: prune-node-modules.sh NODE_MODULES_DIR}"
[ -d "$nm" ] || { echo "prune-node-modules: $nm is not a folder" >&2; exit 1; }

# The list is read in full before anything is removed (find must not walk
# folders that are being deleted).
addons="$(find "$nm" -name binding.gyp -type f -exec dirname {} \;)"
for pkg in $addons; do
  if [ -d "$pkg/build/Release" ]; then
    find "$pkg/build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} +
  fi
  if [ -d "$pkg/build" ]; then
    find "$pkg/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  fi
  rm -rf "$pkg/deps" "$pkg/src"
done
find "$nm" -name test_extension.node -type f -exec rm -f {} +
find "$nm" -type d -name prebuilds -prune -exec rm -rf {} +
find "$nm" -type f -name '*.sh' -exec rm -f {} +
exit 0
