SUMMARY = "Midge IoT gateway and what it needs at run time"
DESCRIPTION = "Add packagegroup-midge to IMAGE_INSTALL for a gateway image."
LICENSE = "MIT"

inherit packagegroup

RDEPENDS:${PN} = "\
    midge \
    nodejs \
    ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'python3-io', '', d)} \
"
# python3-io (python3-core plus the io/socket modules): the small helper that sends systemd notifications for Midge
# (READY, WATCHDOG); without it Midge runs systemd-notify for each message.
