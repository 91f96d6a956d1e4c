#!/bin/busybox sh
# shellcheck shell=dash
# /init of the power-cut VM's initramfs (scripts/powercut/build-images.mjs).
# Loads the virtio and ext4 modules, mounts the read-only root (/dev/vda: node + midge)
# and the data disk (/dev/vdb: midge.yaml and the store, kept across power cuts),
# brings up the user-mode network (10.0.2.15, host = 10.0.2.2) and runs midge.
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
while read -r m; do
  insmod "/modules/$m.ko" || echo "midge-vm: insmod $m failed"
done </modules/order
i=0
while [ ! -b /dev/vda ] || [ ! -b /dev/vdb ] || [ ! -e /sys/class/net/eth0 ]; do
  i=$((i + 1))
  if [ $i -gt 200 ]; then
    echo "midge-vm: FATAL: disks or network missing"
    poweroff -f
  fi
  sleep 0.05
done
mount -t ext4 -o ro /dev/vda /root || echo "midge-vm: FATAL: cannot mount the root disk"
mount -t ext4 /dev/vdb /root/data || echo "midge-vm: FATAL: cannot mount the data disk"
mount -t proc proc /root/proc
mount -t sysfs sys /root/sys
mount -o bind /dev /root/dev
mount -t tmpfs tmp /root/tmp
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
echo "midge-vm: starting midge"
chroot /root /usr/bin/node /opt/midge/dist/cli.js -c /data/midge.yaml
echo "midge-vm: midge exited with status $?"
poweroff -f
