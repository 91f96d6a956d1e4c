#!/bin/sh
# Installs a Midge release on Raspberry Pi OS / Debian with systemd.
#
#   sudo ./install.sh [--prefix /opt/midge] [--no-start] [ARTEFACT.tar.gz | UNPACKED_DIR]
#
# Without an argument it installs the release it is part of (the unpacked
# midge-<version>-linux-<arch>/ folder it sits in). DESTDIR=/some/root installs
# into that tree instead (packaging, CI): no user is created and nothing is
# started there. Installs:
#   PREFIX/                          the release (dist/, node_modules/, bin/midge)
#   /usr/bin/midge                   -> PREFIX/bin/midge
#   /etc/midge/midge.yaml            default config (an existing one is kept)
#   /etc/systemd/system/midge.service
#   /etc/udev/rules.d/99-midge.rules
#   /var/lib/midge                   the store (owned by user midge)
# and a `midge` system user in the dialout and gpio groups.
set -eu
PATH="$PATH:/usr/sbin:/sbin"

PREFIX=/opt/midge
START=1
SRC=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
    *) SRC="$1"; shift ;;
  esac
done
D="${DESTDIR:-}"
say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

[ -n "$D" ] || [ "$(id -u)" = 0 ] || die "run as root (or set DESTDIR to install into a directory)"
case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path" ;; esac

# --- the release to install -------------------------------------------------------
TMP=""
cleanup() { [ -z "$TMP" ] || rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
if [ -z "$SRC" ]; then
  SRC="$(cd "$(dirname "$0")" && pwd)"
elif [ -f "$SRC" ]; then
  TMP="$(mktemp -d)"
  tar xzf "$SRC" -C "$TMP" || die "cannot unpack $SRC"
  SRC="$(find "$TMP" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
fi
if [ ! -f "$SRC/dist/cli.js" ] || [ ! -f "$SRC/manifest.json" ] || [ ! -d "$SRC/share" ]; then
  die "$SRC is not a Midge release (dist/cli.js, manifest.json, share/ expected)"
fi

if [ -z "$D" ]; then
  NODE="$SRC/node/bin/node"
  [ -x "$NODE" ] || NODE="$(command -v node || true)"
  [ -n "$NODE" ] || die "Node.js 20 or newer is needed: none found (see docs/packaging.md, or build the release with --bundle-node)"
  major="$("$NODE" -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is needed, $NODE is $("$NODE" --version)"
  abi_have="$("$NODE" -p process.versions.modules)"
  abi_want="$(sed -n 's/.*"abi": *\([0-9]*\).*/\1/p' "$SRC/manifest.json" | head -n 1)"
  [ -z "$abi_want" ] || [ "$abi_have" = "$abi_want" ] ||
    die "this release's addons are built for Node ABI $abi_want, $NODE has ABI $abi_have: use a matching release or --bundle-node"
fi

# --- files ------------------------------------------------------------------------------
say "installing $(basename "$SRC") into ${D}${PREFIX}"
mkdir -p "$D$PREFIX" "$D/usr/bin" "$D/etc/midge" "$D/etc/systemd/system" "$D/etc/udev/rules.d" "$D/var/lib/midge"
# Replace the release, never the data or config (those live outside PREFIX).
for f in dist node_modules bin node share package.json package-lock.json manifest.json midge.example.yaml README.md LICENSE install.sh uninstall.sh; do
  rm -rf "${D}${PREFIX:?}/$f"
  [ -e "$SRC/$f" ] && cp -R "$SRC/$f" "$D$PREFIX/$f"
done
ln -sfn "../..$PREFIX/bin/midge" "$D/usr/bin/midge" # relative: also right inside DESTDIR
if [ -e "$D/etc/midge/midge.yaml" ]; then
  say "keeping the existing /etc/midge/midge.yaml (new default: $PREFIX/share/midge.yaml)"
else
  cp "$SRC/share/midge.yaml" "$D/etc/midge/midge.yaml"
fi
cp "$SRC/share/midge.service" "$D/etc/systemd/system/midge.service"
cp "$SRC/share/udev/99-midge.rules" "$D/etc/udev/rules.d/99-midge.rules"
chmod 0644 "$D/etc/systemd/system/midge.service" "$D/etc/udev/rules.d/99-midge.rules"
chmod 0750 "$D/etc/midge" "$D/var/lib/midge"

if [ -n "$D" ]; then
  say "DESTDIR set: not creating the midge user, not starting the service"
  exit 0
fi

# --- user, permissions, service -----------------------------------------------------------
getent group gpio >/dev/null || groupadd --system gpio
getent group dialout >/dev/null || groupadd --system dialout
if ! getent passwd midge >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/midge --no-create-home --shell /usr/sbin/nologin midge
fi
usermod -a -G dialout,gpio midge
chown root:midge /etc/midge /etc/midge/midge.yaml
chmod 0640 /etc/midge/midge.yaml
chown midge:midge /var/lib/midge
"$PREFIX/bin/midge" check-config /etc/midge/midge.yaml >/dev/null || die "/etc/midge/midge.yaml does not validate: fix it and run install.sh again"
if command -v udevadm >/dev/null && [ -d /run/udev ]; then
  udevadm control --reload 2>/dev/null || true
  udevadm trigger --subsystem-match=gpio 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$START" = 1 ]; then
    systemctl enable --now midge.service
    systemctl restart midge.service
    say "midge is running: systemctl status midge; journalctl -u midge -f"
  else
    systemctl enable midge.service
  fi
else
  say "systemd is not running: start it with $PREFIX/bin/midge -c /etc/midge/midge.yaml"
fi
