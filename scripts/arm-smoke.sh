#!/usr/bin/env bash
# Smoke test of a release artefact on its own architecture.
#
#   scripts/arm-smoke.sh arm64|armv7|x64 [ARTEFACT.tar.gz]
#
# arm64/armv7: unpacks the artefact into an emulated Debian bookworm chroot
# (debootstrap + qemu-user-static; the rootfs is cached under
# build/packaging/rootfs or $MIDGE_ROOTFS_DIR) with the official Node for that
# architecture (npm package node-linux-<arch>, the version the manifest's addons
# were built against). x64 runs on the host.
# Then: start Midge with SQLite persistence, publish (retained, QoS 1) and
# subscribe with mosquitto_pub/sub from the host, stop it with SIGTERM (exit 0
# expected), start it again and check the retained message survived.
# Records idle RSS and start time in <artefact>.manifest.json ("footprint").
set -euo pipefail
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "$0")/packaging-lib.sh"

[ $# -ge 1 ] || die "usage: $0 arm64|armv7|x64 [ARTEFACT.tar.gz]"
set_arch "$1"
VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
ARTEFACT="${2:-$PKG_ROOT/build/release/midge-$VERSION-linux-$TARGET_ARCH.tar.gz}"
MANIFEST="${ARTEFACT%.tar.gz}.manifest.json"
[ -f "$ARTEFACT" ] || die "no artefact $ARTEFACT (run scripts/build-release.sh $TARGET_ARCH)"
command -v mosquitto_pub >/dev/null || die "mosquitto_pub/mosquitto_sub are needed (apt-get install mosquitto-clients)"
T0=$SECONDS

# --- start / stop -------------------------------------------------------------------------
PID="" PORT="" START_S=0 LOGF=""
start_midge() {
  : >"$LOGF"
  local t=$SECONDS
  "${RUN[@]}" $NODE "$MIDGE" -c "$CONF" >>"$LOGF" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    PORT="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LOGF" | head -n 1)"
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || { cat "$LOGF" >&2; die "midge exited during start"; }
    sleep 0.1
  done
  [ -n "$PORT" ] || { cat "$LOGF" >&2; die "midge did not listen within 60 s"; }
  START_S=$((SECONDS - t))
  log "midge (pid $PID) listens on 127.0.0.1:$PORT after ${START_S} s"
}
stop_midge() {
  [ -n "$PID" ] || return 0
  kill -TERM "$PID" 2>/dev/null || true
  local rc=0
  for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; PID=""; die "midge did not stop within 30 s of SIGTERM"; fi
  wait "$PID" || rc=$?
  PID=""
  [ "$rc" = 0 ] || { cat "$LOGF" >&2; die "midge exited with $rc after SIGTERM"; }
}
sub_one() { # topic -> first message within 30 s
  mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$1" -C 1 -W 30 -q 1
}

# --- the system to run in ------------------------------------------------------------
# ROOT: the system's root as seen from here; V: the prefix of paths as Midge sees them.
if [ "$TARGET_ARCH" = x64 ]; then
  ROOT="$(mktemp -d)" NODE=node RUN=()
  V="$ROOT"
  trap 'stop_midge; rm -rf "$ROOT"' EXIT
else
  ROOT="$(ensure_rootfs run)" V="" NODE=/opt/node/bin/node
  RUN=(chroot "$ROOT" /usr/bin/env -i PATH=/opt/node/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root)
  trap 'umount_chroot "$ROOT"; stop_midge' EXIT
  mount_chroot "$ROOT"
fi
rm -rf "$ROOT/opt/midge" "$ROOT/var/lib/midge-smoke" "$ROOT/tmp/midge-smoke"
mkdir -p "$ROOT/opt/midge" "$ROOT/var/lib/midge-smoke" "$ROOT/tmp/midge-smoke"
tar xzf "$ARTEFACT" -C "$ROOT/opt/midge" --strip-components=1
if [ "$TARGET_ARCH" != x64 ]; then
  NODE_VERSION="$(node -p 'require(process.argv[1]).node.built_against' "$ROOT/opt/midge/manifest.json")"
  NODE_DIR="$(fetch_node "$NODE_VERSION")"
  rm -rf "$ROOT/opt/node" && cp -a "$NODE_DIR" "$ROOT/opt/node"
  # shellcheck disable=SC2016 # JavaScript template literal
  log "Node in the chroot: $("${RUN[@]}" $NODE -p '`${process.version} ${process.arch} ABI ${process.versions.modules}`')"
fi
CONF="$V/tmp/midge-smoke/midge.yaml" MIDGE="$V/opt/midge/dist/cli.js" LOGF="$ROOT/tmp/midge-smoke/midge.log"
cat >"$ROOT/tmp/midge-smoke/midge.yaml" <<EOF
log:
  format: json
listeners:
  - host: 127.0.0.1
    port: 0
persistence:
  enabled: true
  path: $V/var/lib/midge-smoke
EOF
"${RUN[@]}" $NODE "$MIDGE" --version >&2 || die "midge --version failed"
"${RUN[@]}" $NODE "$MIDGE" check-config "$CONF" >/dev/null || die "check-config failed"
"${RUN[@]}" $NODE -e 'require(process.argv[1])(":memory:").prepare("select 1").get()' \
  "$V/opt/midge/node_modules/better-sqlite3" || die "better-sqlite3 does not load"

start_midge
MSG="retained-$RANDOM$RANDOM"
check_live_delivery "$PORT" "$ROOT/tmp/midge-smoke/live.out"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -t smoke/retained -m "$MSG" -q 1 -r
[ "$(sub_one smoke/retained)" = "$MSG" ] || die "retained message not delivered before restart"
log "publish/subscribe ok"

# idle RSS: let start-up garbage settle, then read the process's resident set
sleep 5
RSS_KIB="$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")"
log "idle RSS: $RSS_KIB KiB$([ "$TARGET_ARCH" = x64 ] || printf ' (under qemu-user: includes the emulator)')"
FIRST_START_S=$START_S

stop_midge
start_midge
GOT="$(sub_one smoke/retained)"
[ "$GOT" = "$MSG" ] || die "retained message lost across restart (got '$GOT')"
log "retained message survived the restart"
stop_midge

# install.sh for real (as root in the chroot: user, groups, permissions), then the
# service user runs the installed launcher on the installed default config.
if [ "$TARGET_ARCH" != x64 ]; then
  cp "$ARTEFACT" "$ROOT/tmp/midge-smoke/release.tar.gz"
  "${RUN[@]}" sh /opt/midge/install.sh /tmp/midge-smoke/release.tar.gz >&2 || die "install.sh failed in the chroot"
  groups="$("${RUN[@]}" id -nG midge)"
  for g in dialout gpio; do
    case " $groups " in *" $g "*) ;; *) die "midge user not in group $g: $groups" ;; esac
  done
  chroot --userspec=midge:midge "$ROOT" /usr/bin/env -i PATH=/opt/node/bin:/usr/bin:/bin \
    /usr/bin/midge check-config /etc/midge/midge.yaml >&2 || die "the midge user cannot run the installed midge"
  "${RUN[@]}" sh /opt/midge/uninstall.sh --purge >&2 || die "uninstall.sh failed"
  log "install.sh / uninstall.sh ok in the chroot"
fi

KEY=idle_rss_kib; [ "$TARGET_ARCH" = x64 ] || KEY=idle_rss_kib_qemu
[ -f "$MANIFEST" ] && node "$PKG_ROOT/scripts/packaging-manifest.mjs" footprint "$MANIFEST" \
  "$KEY=$RSS_KIB" "start_seconds$([ "$TARGET_ARCH" = x64 ] || printf _qemu)=$FIRST_START_S"
log "smoke test $TARGET_ARCH passed in $((SECONDS - T0)) s"
