SUMMARY = "Midge edge IoT gateway: MQTT 3.1.1/5.0 broker with a SQLite store"
DESCRIPTION = "A small MQTT broker meant to replace mosquitto on gateways, \
keeping sessions, queued and retained messages in SQLite (better-sqlite3, \
cross-compiled by the npm class)."
HOMEPAGE = "https://mqtt.org/"
SECTION = "net"
LICENSE = "EPL-2.0"
# The "license" line of package.json (the source tarball has no LICENSE file)
LIC_FILES_CHKSUM = "file://package.json;beginline=5;endline=5;md5=6712f55d5f78ffb9d5f960fe7b529521"

# midge-${PV}.tgz is made by scripts/packaging-source.sh in the Midge
# repository (package.json, npm-shrinkwrap.json, compiled dist/). Point
# MIDGE_SRC_BASE at where you keep release tarballs (local.conf), e.g.
#   MIDGE_SRC_BASE = "https://downloads.example.com/midge"
MIDGE_SRC_BASE ??= "file://${LAYERDIR_midge}/../build/release"
LAYERDIR_midge := "${@os.path.dirname(os.path.dirname(os.path.dirname(d.getVar('FILE'))))}"

# Dependencies, pinned with integrity hashes, come from the npm registry
# through npmsw:// (files/npm-shrinkwrap.json = the repository's package-lock).
# Unit, default config and udev rules: the repository's packaging/ folder.
FILESEXTRAPATHS:prepend := "${THISDIR}/../../../packaging:${THISDIR}/../../../packaging/udev:"
SRC_URI = "\
    ${MIDGE_SRC_BASE}/midge-${PV}.tgz;subdir=${BP};striplevel=1 \
    npmsw://${THISDIR}/files/npm-shrinkwrap.json \
    file://midge.service \
    file://midge.yaml \
    file://99-midge.rules \
"
SRC_URI[sha256sum] = "210cdb6032b30710152c123612dfcf707b72a0f6e9389b5cbdfe54fa1b3a5dc3"
# Sources unpack into UNPACKDIR from styhead on, WORKDIR before
MIDGE_FILES = "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}"
S = "${MIDGE_FILES}/${BP}"

inherit npm systemd useradd

# The npm class runs node-gyp with build-from-source against the target's
# Node: better-sqlite3 is cross-compiled, no prebuilt binary is fetched.

USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "-f -r gpio; -f -r dialout"
USERADD_PARAM:${PN} = "--system --home-dir /var/lib/midge --no-create-home \
    --shell /sbin/nologin --user-group --groups dialout,gpio midge"

SYSTEMD_SERVICE:${PN} = "midge.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

do_install:append() {
    # Foreign-architecture prebuilt binaries would fail the QA arch check.
    find ${D}${nonarch_libdir}/node_modules/midge -type d -name prebuilds -prune -exec rm -rf {} +
    install -D -m 0644 ${MIDGE_FILES}/midge.service ${D}${systemd_system_unitdir}/midge.service
    install -D -m 0640 -g midge ${MIDGE_FILES}/midge.yaml ${D}${sysconfdir}/midge/midge.yaml
    install -D -m 0644 ${MIDGE_FILES}/99-midge.rules ${D}${nonarch_base_libdir}/udev/rules.d/99-midge.rules
    install -d -m 0750 -o midge -g midge ${D}${localstatedir}/lib/midge
}

CONFFILES:${PN} = "${sysconfdir}/midge/midge.yaml"
FILES:${PN} += "${systemd_system_unitdir} ${nonarch_base_libdir}/udev ${localstatedir}/lib/midge"
RDEPENDS:${PN} = "nodejs"
