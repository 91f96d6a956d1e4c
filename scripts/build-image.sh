#!/usr/bin/env bash
# Builds a Raspberry Pi 4 SD-card image with Midge, from Debian packages only.
#
#   scripts/build-image.sh rpi4-64 [--artefact midge-<v>-linux-arm64.tar.gz] [--no-xz]
#
# Output in build/image/: midge-<version>-rpi4-64.img (raw) and .img.xz, plus
# the partitions as files. Steps:
#  1. base rootfs (cached in build/image/base-rpi4-64): debootstrap bookworm
#     arm64 minbase, then apt-get inside it under qemu-user-static: systemd,
#     Debian's linux-image-arm64 and raspi-firmware (which fills /boot/firmware
#     with the Pi's firmware, DTBs, kernel, initrd, config.txt and cmdline.txt).
#  2. tree (fresh copy of the base): Midge from the release artefact (built with
#     --bundle-node: bookworm's Node is 18) installed by its install.sh, the
#     files of scripts/image/rootfs (fstab: read-only root, volatile /var/log,
#     the store partition on /var/lib/midge; networkd; first-boot service).
#  3. partitions as files, no loop device and no mount: mkfs.vfat + mcopy for
#     the firmware partition, mkfs.ext4 -d for root and store; sfdisk writes
#     the MBR of the disk image and dd puts the partitions in; xz compresses.
# Steps 1-2 need root (debootstrap, chroot); step 3 runs as any user.
set -euo pipefail
# shellcheck source=scripts/image-lib.sh
. "$(dirname "$0")/image-lib.sh"

{ [ $# -ge 1 ] && [ "$1" = rpi4-64 ]; } || die "usage: $0 rpi4-64 [--artefact FILE] [--no-xz]"
BOARD="$1"; shift
set_arch arm64
VERSION="$(node -p 'require(process.argv[1]).version' "$PKG_ROOT/package.json")"
ARTEFACT="$PKG_ROOT/build/release/midge-$VERSION-linux-arm64.tar.gz" XZ=1
while [ $# -gt 0 ]; do
  case "$1" in
    --artefact) ARTEFACT="$2"; shift 2 ;;
    --no-xz) XZ=0; shift ;;
    *) die "unknown option $1" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "debootstrap and chroot need root"
for t in debootstrap mkfs.vfat mcopy mkfs.ext4 sfdisk xz; do
  command -v "$t" >/dev/null || die "$t missing (apt-get install debootstrap qemu-user-static binfmt-support dosfstools mtools e2fsprogs fdisk xz-utils)"
done
BASE="$IMAGE_WORK/base-$BOARD" TREE="$IMAGE_WORK/tree-$BOARD" OUT="$IMAGE_WORK/midge-$VERSION-$BOARD"
mkdir -p "$IMAGE_WORK"
T0=$SECONDS
trap 'umount_chroot "$BASE"; umount_chroot "$TREE"' EXIT

# --- 1. base rootfs ---------------------------------------------------------------------
STAMP="$(printf '%s\n' "$DEBIAN_SUITE" "${IMAGE_PACKAGES[@]}" | sha256sum | cut -c1-16)"
if [ "$(cat "$BASE/.midge-base" 2>/dev/null)" != "$STAMP" ]; then
  ensure_binfmt
  MIRROR="$(debian_mirror)"
  if [ ! -e "$BASE/.midge-debootstrap" ]; then # kept when only the package list changed
    remove_rootfs "$BASE" && mkdir -p "$BASE"
    log "debootstrap $DEBIAN_SUITE arm64 into $BASE"
    low_prio debootstrap --arch=arm64 --variant=minbase --components=main,non-free-firmware \
      --include=ca-certificates "$DEBIAN_SUITE" "$BASE" "$MIRROR" >"$BASE.debootstrap.log" 2>&1 ||
      { tail -n 20 "$BASE.debootstrap.log" >&2; die "debootstrap failed"; }
    touch "$BASE/.midge-debootstrap"
  fi
  cat >"$BASE/etc/apt/sources.list" <<EOF
deb $MIRROR $DEBIAN_SUITE main non-free-firmware
deb $MIRROR $DEBIAN_SUITE-updates main non-free-firmware
deb ${MIRROR%/debian}/debian-security $DEBIAN_SUITE-security main non-free-firmware
EOF
  printf '#!/bin/sh\nexit 101\n' >"$BASE/usr/sbin/policy-rc.d" && chmod 755 "$BASE/usr/sbin/policy-rc.d"
  # Before the kernel is installed, so that its initramfs and the firmware
  # partition's cmdline.txt come out right the first time (both are slow under qemu).
  cp -R "$IMAGE_FILES/base/." "$BASE/"
  mount_chroot "$BASE"
  log "apt-get install ${IMAGE_PACKAGES[*]}"
  { low_prio in_root "$BASE" apt-get update -q &&
    low_prio in_root "$BASE" apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold \
      "${IMAGE_PACKAGES[@]}"; } >"$BASE.apt.log" 2>&1 || { tail -n 30 "$BASE.apt.log" >&2; die "apt-get install failed"; }
  in_root "$BASE" apt-get clean
  # Back to Debian's default, for kernel and udev updates on the device (scripts/image/base).
  sed -i 's/^update_initramfs=no$/update_initramfs=yes/' "$BASE/etc/initramfs-tools/update-initramfs.conf"
  umount_chroot "$BASE"
  rm -f "$BASE/usr/sbin/policy-rc.d" "$BASE/etc/resolv.conf"
  rm -rf "$BASE/var/lib/apt/lists/"*
  printf '%s\n' "$STAMP" >"$BASE/.midge-base"
  log "base rootfs ready in $((SECONDS - T0)) s"
fi
KREL="$(kernel_release "$BASE")"
{ [ -n "$KREL" ] && [ -f "$BASE/boot/firmware/config.txt" ]; } || die "$BASE has no kernel or no /boot/firmware (see $BASE.apt.log)"

# --- 2. the image's tree: Midge and the image's configuration --------------------------
[ -f "$ARTEFACT" ] || die "no artefact $ARTEFACT (scripts/build-release.sh arm64 --bundle-node)"
# grep -c reads the whole listing: grep -q would stop early, tar would die of SIGPIPE and
# pipefail would call a bundled Node missing.
[ "$(tar tzf "$ARTEFACT" | grep -c '/node/bin/node$')" -gt 0 ] || die "$ARTEFACT has no bundled Node: build it with --bundle-node"
T1=$SECONDS
remove_rootfs "$TREE"
cp -a "$BASE" "$TREE" && rm -f "$TREE/.midge-base" "$TREE/.midge-debootstrap"
mount_chroot "$TREE"
mkdir -p "$TREE/tmp/midge-image"
cp "$ARTEFACT" "$TREE/tmp/midge-image/release.tar.gz"
tar xzf "$ARTEFACT" -C "$TREE/tmp/midge-image"
# install.sh as on a Pi: user midge (groups dialout, gpio), /etc/midge, check-config with
# the bundled Node under qemu-user; systemd is not running here, so it only enables.
low_prio in_root "$TREE" sh -c 'sh /tmp/midge-image/midge-*/install.sh --no-start /tmp/midge-image/release.tar.gz' >&2 ||
  die "install.sh failed in the image"
rm -rf "$TREE/tmp/midge-image"
cp -R "$IMAGE_FILES/rootfs/." "$TREE/"
chmod 755 "$TREE/usr/local/sbin/midge-firstboot"
printf 'midge\n' >"$TREE/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmidge\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$TREE/etc/hosts"
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$TREE/etc/resolv.conf"
# timesyncd's StateDirectory cannot be created on the read-only root: made here, with its
# clock file, whose time (the build's) is the floor for the Pi's clock, which has no RTC.
in_root "$TREE" sh -c 'install -d -o systemd-timesync -g systemd-timesync -m 0755 /var/lib/systemd/timesync &&
  touch /var/lib/systemd/timesync/clock && chown systemd-timesync:systemd-timesync /var/lib/systemd/timesync/clock' ||
  die "cannot prepare /var/lib/systemd/timesync"
# The other StateDirectory= of systemd's units, for the same reason: without linger,
# systemd-logind fails to start (first boot under qemu: the system came up "degraded").
install -d -m 0755 "$TREE/var/lib/systemd/linger" "$TREE/var/lib/systemd/backlight" "$TREE/var/lib/systemd/rfkill"
# machine-id: "uninitialized" makes the first boot a first boot; midge-firstboot commits it.
printf 'uninitialized\n' >"$TREE/etc/machine-id"
touch "$TREE/etc/midge-firstboot-pending"
in_root "$TREE" systemctl enable midge.service midge-firstboot.service systemd-networkd.service \
  systemd-resolved.service systemd-timesyncd.service >/dev/null 2>&1 || die "systemctl enable failed"
# Timers that write to the root filesystem or fetch from the network: not on a read-only appliance
# (dpkg-db-backup writes /var/backups daily and would fail there, leaving the system degraded).
# systemd-firstboot would prompt on the console on the first boot (midge-firstboot does its job).
in_root "$TREE" systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
  e2scrub_reap.service systemd-firstboot.service >/dev/null 2>&1 || die "systemctl mask failed"
umount_chroot "$TREE"
# ConditionNeedsUpdate=/etc and /var (ldconfig, systemd-hwdb-update, journal catalog,
# systemd-update-done): /usr not newer than the .updated stamps, so on the first boot they
# do not run and write to the root while midge-firstboot has it read-write for a moment.
touch -r "$TREE/usr" "$TREE/etc/.updated" "$TREE/var/.updated"
log "image tree ready in $((SECONDS - T1)) s (kernel $KREL)"

# --- 3. partitions as files, then the disk image ----------------------------------------
T2=$SECONDS
export MTOOLS_SKIP_CHECK=1
FIRM="$IMAGE_WORK/$BOARD-firmware.vfat" ROOTP="$IMAGE_WORK/$BOARD-root.ext4" DATAP="$IMAGE_WORK/$BOARD-data.ext4"
rm -f "$FIRM" "$ROOTP" "$DATAP"
# The firmware partition: what raspi-firmware put in /boot/firmware, our cmdline.txt, the first-boot examples.
cp "$IMAGE_FILES/boot/cmdline.txt" "$TREE/boot/firmware/cmdline.txt"
mkfs.vfat -F 32 -n "$LABEL_BOOT" -i 4d494447 -C "$FIRM" $((BOOT_MIB * 1024)) >/dev/null
mcopy -s -p -m -i "$FIRM" "$TREE/boot/firmware/"* "$IMAGE_FILES/boot/firstboot.txt.example" \
  "$IMAGE_FILES/boot/midge.yaml.example" ::/
find "$TREE/boot/firmware" -mindepth 1 -delete # a mount point in the root filesystem
# Root: the tree's size plus 15 % and 64 MiB of headroom (ext4 metadata, later kernels).
ROOT_MIB=$(( $(du -sm --apparent-size "$TREE" | cut -f1) * 115 / 100 + 64 ))
mkfs.ext4 -q -F -T default -b 4096 -L "$LABEL_ROOT" -m 0 -E lazy_itable_init=0,lazy_journal_init=0 -d "$TREE" "$ROOTP" "${ROOT_MIB}M"
MIDGE_IDS="$(awk -F: '$1 == "midge" {print $3 ":" $4}' "$TREE/etc/passwd")"
[ -n "$MIDGE_IDS" ] || die "no midge user in the image"
mkfs.ext4 -q -F -T default -b 4096 -L "$LABEL_DATA" -m 0 -E "root_owner=$MIDGE_IDS,lazy_itable_init=0,lazy_journal_init=0" "$DATAP" "${DATA_MIB}M"
# MBR (the Pi 4's boot ROM and older EEPROMs read MBR), 4 MiB before the first partition.
B_START=$((4 * 2048)) B_SIZE=$((BOOT_MIB * 2048))
R_START=$((B_START + B_SIZE)) R_SIZE=$((ROOT_MIB * 2048))
D_START=$((R_START + R_SIZE)) D_SIZE=$((DATA_MIB * 2048))
rm -f "$OUT.img" "$OUT.img.xz"
truncate -s $(((D_START + D_SIZE) * 512)) "$OUT.img"
sfdisk -q "$OUT.img" <<EOF
label: dos
label-id: 0x4d494447
start=$B_START, size=$B_SIZE, type=c, bootable
start=$R_START, size=$R_SIZE, type=83
start=$D_START, size=$D_SIZE, type=83
EOF
dd if="$FIRM" of="$OUT.img" bs=1M seek=4 conv=notrunc,sparse status=none
dd if="$ROOTP" of="$OUT.img" bs=512 seek="$R_START" conv=notrunc,sparse status=none
dd if="$DATAP" of="$OUT.img" bs=512 seek="$D_START" conv=notrunc,sparse status=none
log "disk image $OUT.img: $(du -h --apparent-size "$OUT.img" | cut -f1) (root ${ROOT_MIB} MiB, assembled in $((SECONDS - T2)) s)"
if [ "$XZ" = 1 ]; then
  T3=$SECONDS
  low_prio xz -T2 -6 -k -f "$OUT.img"
  log "compressed $OUT.img.xz: $(du -h "$OUT.img.xz" | cut -f1) in $((SECONDS - T3)) s"
fi
log "image built in $((SECONDS - T0)) s"
