################################################################################
#
# midge
#
################################################################################

# The source tarball made by scripts/packaging-source.sh: package.json,
# npm-shrinkwrap.json, dist/ (compiled JavaScript), midge.example.yaml.
MIDGE_VERSION = 0.1.0
MIDGE_SOURCE = midge-$(MIDGE_VERSION).tgz
MIDGE_SITE = $(call qstrip,$(BR2_PACKAGE_MIDGE_SITE))
MIDGE_LICENSE = EPL-2.0
MIDGE_DEPENDENCIES = nodejs host-nodejs host-python3
MIDGE_INSTALL_DIR = /usr/lib/node/midge
# systemd unit and default config: the repository's packaging/ (this tree lives in the repository)
MIDGE_PACKAGING_DIR = $(BR2_EXTERNAL_MIDGE_PATH)/../packaging

# $(NPM) exports the cross toolchain, npm_config_arch/target_arch and
# nodedir, so node-gyp cross-compiles better-sqlite3 (and any other addon)
# for the target; build_from_source keeps prebuild-install from downloading.
define MIDGE_BUILD_CMDS
	cd $(@D) && $(NPM) ci --omit=dev --no-audit --no-fund \
		--build-from-source --foreground-scripts
	# Other platforms' prebuilt binaries would fail Buildroot's architecture check.
	find $(@D)/node_modules -type d -name prebuilds -prune -exec rm -rf {} +
	find $(@D)/node_modules -name binding.gyp \
		-execdir rm -rf deps src build/Release/obj.target build/Release/.deps ';'
endef

define MIDGE_INSTALL_TARGET_CMDS
	mkdir -p $(TARGET_DIR)$(MIDGE_INSTALL_DIR) $(TARGET_DIR)/usr/bin
	cp -a $(@D)/package.json $(@D)/dist $(@D)/node_modules $(TARGET_DIR)$(MIDGE_INSTALL_DIR)/
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
