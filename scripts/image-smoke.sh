#!/usr/bin/env bash
# Boots the Raspberry Pi image of scripts/build-image.sh under
# qemu-system-aarch64 -M virt -cpu cortex-a72 (TCG) and checks it as a user would.
#
#   scripts/image-smoke.sh [IMAGE.img]      (default: build/image/midge-<version>-rpi4-64.img)
#
# No root needed. A copy of the image (grown by 256 MiB, like a larger SD
# card) gets a firstboot.txt (hostname, root password) and a midge.yaml
# (listener on 0.0.0.0:1883) on its firmware partition, written with mcopy.
# qemu boots the image's own kernel and initrd (Debian's linux-image-arm64,
# read from the firmware partition) with the image's root filesystem as the
# virtio disk; port 1883 is forwarded to 127.0.0.1 only. Checks: midge
# answers MQTT through the forwarded port (boot-to-listening time), the
# system reaches multi-user, midge is active, first boot applied the files
# and grew the store, / is read-only; live and retained publish/subscribe
# with mosquitto_pub/_sub from the host; `systemctl restart midge` keeps the
# retained message; a clean poweroff.
set -euo pipefail
# shellcheck source=scripts/image-lib.sh
. "$(dirname "$0")/image-lib.sh"

VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
IMAGE="${1:-$IMAGE_WORK/midge-$VERSION-rpi4-64.img}"
[ -f "$IMAGE" ] || die "no image $IMAGE (scripts/build-image.sh rpi4-64)"
for t in qemu-system-aarch64 mcopy sfdisk mosquitto_pub mosquitto_sub; do
  command -v "$t" >/dev/null || die "$t missing (apt-get install qemu-system-arm mtools fdisk mosquitto-clients)"
done
export MTOOLS_SKIP_CHECK=1
RUN="$(mktemp -d "${TMPDIR:-/tmp}/midge-image-smoke.XXXXXX")"
QEMU_PID=""
cleanup() {
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then kill "$QEMU_PID"; wait "$QEMU_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then log "kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
T0=$SECONDS

# --- the image copy and its first-boot files ---------------------------------------------
cp --sparse=always "$IMAGE" "$RUN/disk.img"
truncate -s +256M "$RUN/disk.img"
FW_OFFSET="$(sfdisk -J "$RUN/disk.img" | node -e 'const t = JSON.parse(require("fs").readFileSync(0)).partitiontable;
  const p = t.partitions[0]; if (p.type !== "c") process.exit(1); console.log(p.start * (t.sectorsize ?? 512))')" ||
  die "the image's first partition is not FAT32 (type c)"
FW="$RUN/disk.img@@$FW_OFFSET"
PASSWORD="smoke-$RANDOM$RANDOM"
printf 'hostname=midge-smoke\r\npassword=%s\r\n' "$PASSWORD" >"$RUN/firstboot.txt" # CR LF, as from Notepad
cat >"$RUN/midge.yaml" <<'EOF'
log:
  format: json
listeners:
  - host: 0.0.0.0
    port: 1883
    allow_anonymous: true
persistence:
  enabled: true
  path: /var/lib/midge
EOF
mcopy -o -i "$FW" "$RUN/firstboot.txt" "$RUN/midge.yaml" ::/
# Debian's kernel and initrd as raspi-firmware put them on the firmware partition.
KERNEL="$(sed -n 's/^kernel=//p' <(mtype -i "$FW" ::/config.txt) | tr -d '\r' | head -n 1)"
INITRD="$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' <(mtype -i "$FW" ::/config.txt) | tr -d '\r' | head -n 1)"
{ mcopy -i "$FW" "::/${KERNEL:-vmlinuz}" "$RUN/vmlinuz" && mcopy -i "$FW" "::/${INITRD:-initrd.img}" "$RUN/initrd.img"; } ||
  die "no kernel/initrd on the firmware partition"

# --- boot -----------------------------------------------------------------------------------
PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
CONSOLE="$RUN/console.sock"
log "booting $(basename "$IMAGE") under qemu-system-aarch64 -M virt -cpu cortex-a72 (TCG); MQTT on 127.0.0.1:$PORT"
T_BOOT=$SECONDS
nice -n "$(to_prio10)" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 -nographic -monitor none \
  -kernel "$RUN/vmlinuz" -initrd "$RUN/initrd.img" \
  -append "root=LABEL=RASPIROOT ro rootfstype=ext4 rootwait net.ifnames=0 fsck.repair=yes console=ttyAMA0" \
  -drive "file=$RUN/disk.img,if=virtio,format=raw" \
  -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:1883" -device virtio-net-pci,netdev=n0 \
  -device virtio-serial-pci -chardev "socket,id=c1,path=$CONSOLE,server=on,wait=off" -device virtconsole,chardev=c1 \
  -serial "file:$RUN/serial.log" >"$RUN/qemu.log" 2>&1 &
QEMU_PID=$!
guest() { node "$PKG_ROOT/scripts/image-console.mjs" "$CONSOLE" "$PASSWORD" "$@"; }
# Listening = midge answers an MQTT CONNECT (slirp accepts TCP before anything listens in the guest).
LISTEN_S=""
while [ $((SECONDS - T_BOOT)) -lt 900 ]; do
  kill -0 "$QEMU_PID" 2>/dev/null || { tail -n 30 "$RUN/serial.log" >&2; die "qemu exited"; }
  if mosquitto_pub -h 127.0.0.1 -p "$PORT" -t smoke/boot -m up -q 1 2>/dev/null; then LISTEN_S=$((SECONDS - T_BOOT)); break; fi
  sleep 2
done
[ -n "$LISTEN_S" ] || { tail -n 40 "$RUN/serial.log" >&2; die "midge did not answer on the forwarded port within 900 s"; }
log "boot to listening: $LISTEN_S s (qemu start to MQTT CONNACK through the forwarded port)"

# --- the system ------------------------------------------------------------------------------
STATE="$(guest 'systemctl is-system-running --wait' 600 || true)"
FAILED="$(guest 'systemctl --failed --no-legend --plain | cut -d" " -f1' || true)"
log "system state: $STATE${FAILED:+ (failed: $(echo "$FAILED" | tr '\n' ' '))}"
case "$STATE" in running) ;; *) die "the system is $STATE, not running" ;; esac
guest 'systemctl is-active multi-user.target midge.service' >/dev/null || die "multi-user.target or midge.service not active"
[ "$(guest hostname)" = midge-smoke ] || die "first boot did not set the hostname from firstboot.txt"
guest 'findmnt -no OPTIONS / | grep -qE "(^|,)ro(,|$)"' || die "the root filesystem is not mounted read-only"
guest 'findmnt -no SOURCE,FSTYPE /var/lib/midge' | grep -q ext4 || die "/var/lib/midge is not the store partition"
# shellcheck disable=SC2016 # expanded in the guest
STORE_MIB="$(guest 'echo $(( $(lsblk -bno SIZE "$(findmnt -no SOURCE /var/lib/midge)") / 1048576 ))' | tr -d '\r\n')"
[ "$STORE_MIB" -gt $((DATA_MIB + 200)) ] || die "first boot did not grow the store partition ($STORE_MIB MiB)"
guest 'grep -q "host: 0.0.0.0" /etc/midge/midge.yaml' || die "/etc/midge/midge.yaml is not the one from the firmware partition"
guest 'test -f /boot/firmware/firstboot.txt.applied && ! test -e /boot/firmware/firstboot.txt' || die "firstboot.txt not marked applied"
guest "! grep -q '$PASSWORD' /boot/firmware/firstboot.txt.applied" || die "the password stayed on the firmware partition"
guest 'findmnt -no FSTYPE /var/log | grep -qx tmpfs' ||
  die "/var/log is not volatile"
log "multi-user reached, midge active, read-only root, store ${STORE_MIB} MiB (grown), first-boot files applied"
# shellcheck disable=SC2016 # expanded in the guest
TIMES="$(guest 'systemd-analyze time | head -n 1; echo "midge ready at $(( $(systemctl show midge -P ActiveEnterTimestampMonotonic) / 1000000 )) s after kernel start"' || true)"
log "guest: $(echo "$TIMES" | tr '\n' ';')"

# --- MQTT through the forwarded port ------------------------------------------------------------
sub_one() { mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$1" -C 1 -W 60 -q 1; }
check_live_delivery "$PORT" "$RUN/live.out"
MSG="retained-$RANDOM$RANDOM"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -t smoke/retained -m "$MSG" -q 1 -r
[ "$(sub_one smoke/retained)" = "$MSG" ] || die "retained message not delivered"
log "publish/subscribe through the forwarded port ok"

T_RESTART=$SECONDS
guest 'systemctl restart midge && systemctl is-active midge' 180 >/dev/null || die "systemctl restart midge failed"
GOT=""
for _ in $(seq 1 60); do GOT="$(sub_one smoke/retained 2>/dev/null)" && break; sleep 1; done
[ "$GOT" = "$MSG" ] || die "retained message lost across systemctl restart (got '$GOT')"
log "systemctl restart midge: retained message kept (back in $((SECONDS - T_RESTART)) s)"

guest 'systemctl --no-block poweroff' 30 >/dev/null || true
for _ in $(seq 1 120); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 1; done
if kill -0 "$QEMU_PID" 2>/dev/null; then die "the guest did not power off within 120 s"; fi
wait "$QEMU_PID" || true
QEMU_PID=""
log "image smoke test passed in $((SECONDS - T0)) s (boot to listening $LISTEN_S s)"
