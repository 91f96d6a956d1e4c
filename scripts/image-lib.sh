# Helpers of scripts/build-image.sh and scripts/image-smoke.sh (sourced, not run).
# shellcheck shell=bash disable=SC2034 # the variables are for the sourcing scripts
# shellcheck source=scripts/packaging-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/packaging-lib.sh"

IMAGE_WORK="${MIDGE_IMAGE_DIR:-$PKG_ROOT/build/image}"
IMAGE_FILES="$PKG_ROOT/scripts/image"

# Partition layout (MiB). The firmware partition is FAT32 (the Pi's boot ROM
# reads config.txt, start4.elf, the kernel and its initrd from it); root is
# ext4 mounted read-only; the store is ext4 and last, so first boot can grow
# it to the end of the SD card.
BOOT_MIB=256
DATA_MIB=128
LABEL_BOOT=RASPIFIRM
LABEL_ROOT=RASPIROOT
LABEL_DATA=MIDGEDATA

# Debian packages of the image besides minbase. raspi-firmware and
# firmware-brcm80211 (Wi-Fi/Bluetooth of the Pi 3/4/5) are in non-free-firmware.
IMAGE_PACKAGES=(
  systemd systemd-sysv systemd-resolved systemd-timesyncd udev kmod dbus
  iproute2 netbase ca-certificates wpasupplicant
  linux-image-arm64 initramfs-tools raspi-firmware firmware-brcm80211
  dosfstools e2fsprogs fdisk
)

# Runs a command at niceness 10 (debootstrap, emulated dpkg, xz, qemu: the build machine
# may be shared), whatever the caller's own niceness below that. A plain `nice -n 10`
# under a caller's `nice -n 10` gives 19, at which emulated dpkg starves on a loaded
# machine: the first build's apt-get install ran over 40 minutes that way.
# A command in the background must not go through the function (its pid would be a
# subshell's, and killing it would leave the command running): nice -n "$(to_prio10)" CMD &.
to_prio10() { local n; n="$(nice)"; echo $((n < 10 ? 10 - n : 0)); }
low_prio() { nice -n "$(to_prio10)" "$@"; }

# Runs a command inside a rootfs (qemu-user-static through binfmt for arm64).
in_root() {
  local r="$1"; shift
  chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# Debian's arm64 kernel release installed in a rootfs (the newest one).
kernel_release() {
  find "$1/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1
}

# Offset (bytes) and size (bytes) of partition N of a raw disk image, from sfdisk's dump.
partition_extent() {
  local img="$1" n="$2"
  sfdisk --dump "$img" | awk -v dev="${img}${n}" '$1 == dev {
    for (i = 1; i <= NF; i++) { if ($i ~ /^start=/) s = $(i + 1); if ($i ~ /^size=/) z = $(i + 1) }
    gsub(",", "", s); gsub(",", "", z); print s * 512, z * 512 }'
}
