################################################################################
#
# midge
#
################################################################################

# The source tarball made by scripts/packaging-source.sh: package.json,
# npm-shrinkwrap.json, dist/ (compiled JavaScript), board-configs/,
# packaging/ (unit, default config, udev rules, prune script), licences.
MIDGE_VERSION = 0.1.0
MIDGE_SOURCE = midge-$(MIDGE_VERSION).tgz
MIDGE_SITE = $(call qstrip,$(BR2_PACKAGE_MIDGE_SITE))
# The production dependencies' sources (node_modules/, no prebuilt binary),
# made by the same script from the lock file: downloaded by `make source`
# and hash-checked like the first, so the build needs no network.
MIDGE_NODE_MODULES_SOURCE = midge-node-modules-$(MIDGE_VERSION).tar.gz
MIDGE_EXTRA_DOWNLOADS = $(MIDGE_NODE_MODULES_SOURCE)
# Midge, then what its production dependencies carry (THIRD-PARTY-LICENSES.md;
# Public Domain: SQLite inside better-sqlite3)
MIDGE_LICENSE = EPL-2.0, MIT, ISC, Apache-2.0, BSD-2-Clause, BSD-3-Clause, 0BSD, WTFPL, Public Domain
MIDGE_LICENSE_FILES = LICENSE THIRD-PARTY-LICENSES.md
MIDGE_DEPENDENCIES = nodejs host-nodejs host-python3
MIDGE_INSTALL_DIR = /usr/lib/node/midge
# systemd unit, default config, udev rules: packaging/ inside the source tarball
MIDGE_PACKAGING_DIR = $(@D)/packaging

define MIDGE_EXTRACT_NODE_MODULES
	$(call suitable-extractor,$(MIDGE_NODE_MODULES_SOURCE)) \
		$(MIDGE_DL_DIR)/$(MIDGE_NODE_MODULES_SOURCE) | \
		$(TAR) -C $(@D) $(TAR_OPTIONS) -
endef
MIDGE_POST_EXTRACT_HOOKS += MIDGE_EXTRACT_NODE_MODULES

# node-libgpiod (the chardev GPIO driver) links libgpiod 1.x; without it
# the package is left out and Midge falls back to sysfs GPIO.
ifeq ($(BR2_PACKAGE_LIBGPIOD),y)
MIDGE_DEPENDENCIES += libgpiod
MIDGE_ADDONS_OPTIONAL = node-libgpiod
else
MIDGE_ADDONS_DROP = node-libgpiod
endif

# The addons of node_modules/ (every package with an install script), built
# offline for the target: $(NPM) exports the cross toolchain,
# npm_config_arch/target_arch, nodedir (the target's Node headers in
# staging) and build_from_source, so node-gyp compiles them from source.
MIDGE_ADDONS = better-sqlite3 @serialport/bindings-cpp epoll $(MIDGE_ADDONS_OPTIONAL)

define MIDGE_BUILD_CMDS
	rm -rf $(addprefix $(@D)/node_modules/,$(MIDGE_ADDONS_DROP))
	cd $(@D) && $(NPM) rebuild --offline --foreground-scripts $(MIDGE_ADDONS)
	# Addon sources, build leftovers and the packages' shell scripts
	sh $(@D)/packaging/prune-node-modules.sh $(@D)/node_modules
endef

define MIDGE_INSTALL_TARGET_CMDS
	mkdir -p $(TARGET_DIR)$(MIDGE_INSTALL_DIR) $(TARGET_DIR)/usr/bin
	cp -a $(@D)/package.json $(@D)/dist $(@D)/node_modules $(@D)/board-configs \
		$(TARGET_DIR)$(MIDGE_INSTALL_DIR)/
	$(INSTALL) -D -m 0644 $(@D)/midge.example.yaml $(TARGET_DIR)$(MIDGE_INSTALL_DIR)/midge.example.yaml
	ln -sf ../lib/node/midge/dist/cli.js $(TARGET_DIR)/usr/bin/midge
	chmod 0755 $(TARGET_DIR)$(MIDGE_INSTALL_DIR)/dist/cli.js
	if [ ! -e $(TARGET_DIR)/etc/midge/midge.yaml ]; then \
		$(INSTALL) -D -m 0640 $(MIDGE_PACKAGING_DIR)/midge.yaml $(TARGET_DIR)/etc/midge/midge.yaml; \
	fi
endef

define MIDGE_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(MIDGE_PACKAGING_DIR)/midge.service \
		$(TARGET_DIR)/usr/lib/systemd/system/midge.service
	$(INSTALL) -D -m 0644 $(MIDGE_PACKAGING_DIR)/udev/99-midge.rules \
		$(TARGET_DIR)/usr/lib/udev/rules.d/99-midge.rules
endef

define MIDGE_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(MIDGE_PKGDIR)/S90midge \
		$(TARGET_DIR)/etc/init.d/S90midge
endef

# -1: automatic uid/gid. No gpio group in Buildroot by default: created here.
define MIDGE_USERS
	midge -1 midge -1 * /var/lib/midge - dialout,gpio Midge IoT gateway
endef

define MIDGE_PERMISSIONS
	/var/lib/midge d 0750 midge midge - - - - -
	/etc/midge/midge.yaml f 0640 root midge - - - - -
endef

$(eval $(generic-package))
