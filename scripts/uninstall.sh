#!/bin/sh
# Removes a Midge installed by install.sh.
#
#   sudo ./uninstall.sh [--prefix /opt/midge] [--purge]
#
# Keeps the data (/var/lib/midge), the config (/etc/midge) and the midge user
# unless --purge is given. DESTDIR=/some/root works as for install.sh.
set -eu
PATH="$PATH:/usr/sbin:/sbin"

PREFIX=/opt/midge
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --purge) PURGE=1; shift ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
D="${DESTDIR:-}"
say() { printf 'uninstall.sh: %s\n' "$*"; }
[ -n "$D" ] || [ "$(id -u)" = 0 ] || { echo "uninstall.sh: run as root" >&2; exit 1; }
case "$PREFIX" in /?*) ;; *) echo "uninstall.sh: --prefix must be an absolute path" >&2; exit 2 ;; esac
[ -f "$D$PREFIX/dist/cli.js" ] || [ -f "$D/etc/systemd/system/midge.service" ] || say "no Midge found in ${D}${PREFIX}"

if [ -z "$D" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now midge.service 2>/dev/null || true
fi
rm -f "$D/etc/systemd/system/midge.service" "$D/etc/udev/rules.d/99-midge.rules"
[ -L "$D/usr/bin/midge" ] && rm -f "$D/usr/bin/midge"
# only a folder that holds a Midge release (never a shared prefix such as /usr)
if [ -f "$D$PREFIX/manifest.json" ] && [ -f "$D$PREFIX/dist/cli.js" ]; then rm -rf "$D$PREFIX"; fi
if [ -z "$D" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

if [ "$PURGE" = 1 ]; then
  rm -rf "$D/var/lib/midge" "$D/etc/midge" "$D/var/log/midge"
  if [ -z "$D" ] && getent passwd midge >/dev/null; then userdel midge 2>/dev/null || true; fi
  say "removed Midge, its data, its config and the midge user"
else
  say "removed Midge; kept /var/lib/midge (data) and /etc/midge (config): --purge removes them"
fi
