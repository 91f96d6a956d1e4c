/**
 * Structural checks of the distribution trees that cannot be built here:
 * buildroot/ (BR2_EXTERNAL: Kconfig parsed by Debian's python3-kconfiglib when
 * installed, referenced files, MIDGE_ variable names, hash), yocto-layer/
 * (layer.conf keys, recipe variables and files, shrinkwrap = package-lock),
 * openwrt/ (feed Makefile, procd init). The three source hashes must agree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/repo-root.js';

const ROOT = repoRoot();
const { shrinkwrap } = (await import(pathToFileURL(join(ROOT, 'scripts/packaging-shrinkwrap.mjs')).href)) as {
  shrinkwrap(lock: unknown): unknown;
};
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;
const HASH = /^sha256\s+([0-9a-f]{64})\s+(\S+)$/m.exec(read('buildroot/package/midge/midge.hash'));

describe('buildroot/ (BR2_EXTERNAL tree)', () => {
  const br = (p: string): string => join(ROOT, 'buildroot', p);
  const expand = (s: string): string => s.replaceAll('$(BR2_EXTERNAL_MIDGE_PATH)', br('')).replaceAll('$BR2_EXTERNAL_MIDGE_PATH', br(''));
  const mk = read('buildroot/package/midge/midge.mk');

  it('names the tree MIDGE and sources every package Config.in and .mk', () => {
    assert.match(read('buildroot/external.desc'), /^name: MIDGE$/m);
    for (const m of read('buildroot/Config.in').matchAll(/^\s*source\s+"([^"]+)"/gm)) assert.ok(existsSync(expand(m[1]!)), m[1]);
    assert.match(read('buildroot/external.mk'), /\$\(BR2_EXTERNAL_MIDGE_PATH\)\/package\/\*\/\*\.mk/);
    for (const pkg of readdirSync(br('package'))) {
      assert.ok(existsSync(br(`package/${pkg}/Config.in`)) && existsSync(br(`package/${pkg}/${pkg}.mk`)), pkg);
    }
  });

  it('Kconfig parses and defines the symbols the defconfigs use', { skip: spawnSync('/usr/bin/python3', ['-c', 'import kconfiglib']).status !== 0 && 'python3-kconfiglib not installed' }, () => {
    const script = 'import kconfiglib, sys\nk = kconfiglib.Kconfig(sys.argv[1], warn_to_stderr=False)\nprint(" ".join(s.name for s in k.unique_defined_syms))\nprint("\\n".join(k.warnings), file=sys.stderr)';
    const r = spawnSync('/usr/bin/python3', ['-c', script, br('Config.in')], { encoding: 'utf8', env: { ...process.env, BR2_EXTERNAL_MIDGE_PATH: br('') } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no Kconfig warnings');
    assert.deepEqual(r.stdout.trim().split(' ').sort(), ['BR2_PACKAGE_MIDGE', 'BR2_PACKAGE_MIDGE_SITE']);
  });

  it('midge.mk: only MIDGE_ variables, generic-package last, version of package.json, files present', () => {
    for (const m of mk.matchAll(/^(?:define\s+)?([A-Z][A-Z0-9_]*)\s*(?:[:+?]?=|$)/gm)) assert.match(m[1]!, /^MIDGE_/, `variable ${m[1]}`);
    assert.match(mk.trimEnd(), /\$\(eval \$\(generic-package\)\)$/);
    assert.equal(/^MIDGE_VERSION = (\S+)$/m.exec(mk)?.[1], VERSION);
    // offline: the dependencies come from the second source tarball, the build only compiles
    assert.match(mk, /^MIDGE_EXTRA_DOWNLOADS = \$\(MIDGE_NODE_MODULES_SOURCE\)$/m);
    assert.match(mk, /^MIDGE_NODE_MODULES_SOURCE = midge-node-modules-\$\(MIDGE_VERSION\)\.tar\.gz$/m);
    assert.match(mk, /^MIDGE_POST_EXTRACT_HOOKS \+= MIDGE_EXTRACT_NODE_MODULES$/m);
    assert.match(mk, /^\tcd \$\(@D\) && \$\(NPM\) rebuild --offline --foreground-scripts \$\(MIDGE_ADDONS\)$/m);
    assert.doesNotMatch(mk, /\$\(NPM\) (ci|install)\b/, 'no npm download in the build step');
    for (const m of mk.matchAll(/\$\(MIDGE_PKGDIR\)\/(\S+)/g)) assert.ok(existsSync(br(`package/midge/${m[1]}`)), m[1]);
    for (const m of mk.matchAll(/\$\(MIDGE_PACKAGING_DIR\)\/(\S+)/g)) assert.ok(existsSync(join(ROOT, 'packaging', m[1]!)), m[1]);
    assert.match(mk, /^\tmidge -1 midge -1 \* \/var\/lib\/midge - dialout,gpio /m, 'users table line');
    // check-package: an init script in the package folder must not be executable (installed with -m 0755)
    assert.equal(statSync(br('package/midge/S90midge')).mode & 0o111, 0, 'S90midge not executable');
    assert.match(mk, /\$\(INSTALL\) -D -m 0755 \$\(MIDGE_PKGDIR\)\/S90midge/);
    assert.doesNotMatch(mk, /-execdir/, 'prune with packaging/prune-node-modules.sh (find -execdir rm exits 1)');
    assert.match(mk, /^\tsh \$\(@D\)\/packaging\/prune-node-modules\.sh \$\(@D\)\/node_modules$/m);
    assert.doesNotMatch(mk, /BR2_EXTERNAL_MIDGE_PATH\)\/\.\./, 'nothing read from outside the tree but the source tarball');
    const licFiles = /^MIDGE_LICENSE_FILES = (.+)$/m.exec(mk)?.[1]?.split(/\s+/) ?? [];
    assert.deepEqual(licFiles, ['LICENSE', 'THIRD-PARTY-LICENSES.md']);
    for (const f of licFiles) assert.ok(existsSync(join(ROOT, f)), f);
    assert.match(/^MIDGE_LICENSE = (.+)$/m.exec(mk)?.[1] ?? '', /^EPL-2\.0, MIT, ISC, Apache-2\.0, .*Public Domain/);
    assert.match(read('buildroot/package/midge/Config.in'), /^\tselect BR2_PACKAGE_HOST_NODEJS\b/m);
  });

  it('midge.hash names both tarballs of this version and the licence files (legal-info checks them)', () => {
    assert.ok(HASH, 'a sha256 line');
    assert.equal(HASH[2], `midge-${VERSION}.tgz`);
    assert.match(mk, /^MIDGE_SOURCE = midge-\$\(MIDGE_VERSION\)\.tgz$/m);
    const names = [...read('buildroot/package/midge/midge.hash').matchAll(/^sha256\s+[0-9a-f]{64}\s+(\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(names, [`midge-${VERSION}.tgz`, `midge-node-modules-${VERSION}.tar.gz`,
      ...(/^MIDGE_LICENSE_FILES = (.+)$/m.exec(mk)?.[1]?.split(/\s+/) ?? [])]);
  });

  it('MIDGE_ADDONS names every production package with an install script (else it is not compiled for the target)', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages).filter(([p, m]) => p !== '' && !m.dev && m.hasInstallScript).map(([p]) => p.replace(/^.*node_modules\//, ''));
    const addons = /^MIDGE_ADDONS = (.+)$/m.exec(mk)?.[1]?.split(/\s+/) ?? [];
    const optional = /^MIDGE_ADDONS_OPTIONAL = (.+)$/m.exec(mk)?.[1]?.split(/\s+/) ?? [];
    assert.ok(addons.includes('$(MIDGE_ADDONS_OPTIONAL)'));
    assert.deepEqual([...addons.filter((a) => !a.startsWith('$(')), ...optional].sort(), withScripts.sort());
    assert.deepEqual(/^MIDGE_ADDONS_DROP = (.+)$/m.exec(mk)?.[1]?.split(/\s+/), optional, 'an optional addon not built is removed');
  });

  it('defconfigs are complete (upstream Pi defconfig + Midge), hash-checked, and point at files that exist', () => {
    const upstreamDir = process.env.MIDGE_BUILDROOT_DIR;
    for (const [name, base] of [['midge_raspberrypi4_64_defconfig', 'raspberrypi4_64_defconfig'], ['midge_raspberrypi5_defconfig', 'raspberrypi5_defconfig']] as const) {
      const text = read(`buildroot/configs/${name}`);
      for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) assert.match(line, /^BR2_[A-Z0-9_a-z]+=(y|"[^"]*"|\d+)$/, `${name}: ${line}`);
      for (const opt of ['BR2_aarch64=y', 'BR2_TOOLCHAIN_EXTERNAL_BOOTLIN_AARCH64_GLIBC_STABLE=y', 'BR2_DOWNLOAD_FORCE_CHECK_HASHES=y',
        'BR2_LINUX_KERNEL=y', 'BR2_PACKAGE_RPI_FIRMWARE=y', 'BR2_PACKAGE_NODEJS=y', 'BR2_PACKAGE_MIDGE=y']) {
        assert.ok(text.split('\n').includes(opt), `${name}: ${opt} (a complete defconfig, not a fragment)`);
      }
      if (upstreamDir) {
        const upstream = readFileSync(join(upstreamDir, 'configs', base), 'utf8').split('\n').filter((l) => l && !l.startsWith('BR2_TARGET_ROOTFS_EXT2_SIZE='));
        for (const l of upstream) assert.ok(text.split('\n').includes(l), `${name}: upstream ${base} line ${l}`);
      }
      const overlay = /^BR2_ROOTFS_OVERLAY="([^"]+)"$/m.exec(text)?.[1];
      assert.ok(overlay && existsSync(join(expand(overlay), 'etc/midge/midge.yaml')), `${name}: overlay with the default config`);
    }
  });
});

describe('yocto-layer/ (meta-midge)', () => {
  const layer = read('yocto-layer/conf/layer.conf');
  const recipePath = `yocto-layer/recipes-connectivity/midge/midge_${VERSION}.bb`;

  it('layer.conf declares the collection, dependencies and release series', () => {
    assert.match(layer, /^BBFILE_COLLECTIONS \+= "midge"$/m);
    assert.match(layer, /^BBFILE_PATTERN_midge = "\^\$\{LAYERDIR\}\/"$/m);
    assert.match(layer, /^BBFILE_PRIORITY_midge = "\d+"$/m);
    assert.match(layer, /^BBFILES \+= "\$\{LAYERDIR\}\/recipes-\*\/\*\/\*\.bb/m);
    assert.deepEqual(/^LAYERDEPENDS_midge = "([^"]*)"$/m.exec(layer)?.[1]?.split(/\s+/), ['core', 'openembedded-layer']);
    assert.deepEqual(/^LAYERSERIES_COMPAT_midge = "([^"]*)"$/m.exec(layer)?.[1]?.split(/\s+/), ['scarthgap', 'styhead', 'walnascar', 'whinlatter']);
    assert.ok(existsSync(join(ROOT, 'yocto-layer/README.md')), 'README (yocto-check-layer wants one)');
  });

  it(`the recipe is midge_${VERSION}.bb with the npm/systemd/useradd variables and existing files`, () => {
    assert.ok(existsSync(join(ROOT, recipePath)), recipePath);
    const bb = read(recipePath);
    assert.match(bb, /^inherit npm systemd useradd$/m);
    const inc = read('yocto-layer/recipes-connectivity/midge/midge-licenses.inc');
    assert.match(inc, /^LICENSE = "EPL-2\.0 & /m);
    assert.match(inc, /^LIC_FILES_CHKSUM = "file:\/\/LICENSE;md5=[0-9a-f]{32} /m);
    for (const v of ['SUMMARY', 'SRC_URI', 'SYSTEMD_SERVICE:${PN}', 'USERADD_PACKAGES', 'USERADD_PARAM:${PN}', 'CONFFILES:${PN}']) {
      assert.ok(bb.includes(`\n${v} = `) || bb.startsWith(`${v} = `), `${v} set`);
    }
    assert.match(bb, /npmsw:\/\/\$\{THISDIR\}\/files\/npm-shrinkwrap\.json/);
    assert.match(bb, /--groups dialout,gpio midge/);
    assert.match(bb, /^require midge-licenses\.inc$/m);
    assert.ok(existsSync(join(ROOT, 'yocto-layer/recipes-connectivity/midge/midge-licenses.inc')));
    assert.match(bb, /^HOMEPAGE = "https:\/\/midge\.invalid\/"$/m);
    assert.match(bb, /^\s+sh \$\{S\}\/packaging\/prune-node-modules\.sh /m, 'no SQLite sources or bash scripts shipped');
    assert.doesNotMatch(bb, /FILESEXTRAPATHS/);
    assert.equal(/^SRC_URI\[sha256sum\] = "([0-9a-f]{64})"$/m.exec(bb)?.[1], HASH?.[1], 'same tarball hash as Buildroot');
    const group = read('yocto-layer/recipes-core/packagegroups/packagegroup-midge.bb');
    assert.match(group, /^inherit packagegroup$/m);
    assert.match(group, /'python3-io'/, 'the notify helper imports socket/io: python3-io');
  });

  it('is self-contained: nothing read outside the layer, COPYING, README with maintainer and patch instructions', () => {
    const files = spawnSync('git', ['ls-files', 'yocto-layer'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter((f) => /\.(bb|bbappend|inc|conf)$/.test(f));
    for (const f of files) assert.doesNotMatch(read(f), /\.\.\/|build\/release/, `${f} reaches outside the layer`);
    assert.equal(read('yocto-layer/COPYING'), read('LICENSE'), 'COPYING = LICENSE (cp LICENSE yocto-layer/COPYING)');
    const readme = read('yocto-layer/README.md');
    assert.match(readme, /maintainer/i);
    assert.match(readme, /patch/i);
    assert.match(readme, /Midge maintainers <maintainers@midge\.invalid>/);
  });

  it('npm-shrinkwrap.json is package-lock.json with resolved URLs (regenerate: scripts/packaging-source.sh --shrinkwrap-only)', () => {
    const lock = JSON.parse(read('package-lock.json'));
    const wrap = JSON.parse(read('yocto-layer/recipes-connectivity/midge/files/npm-shrinkwrap.json')) as {
      lockfileVersion: number;
      packages: Record<string, { resolved?: string }>;
    };
    assert.ok(wrap.lockfileVersion >= 2);
    assert.deepEqual(wrap, shrinkwrap(lock));
    for (const [path, meta] of Object.entries(wrap.packages)) {
      if (path !== '') assert.match(meta.resolved ?? '', /^https:\/\/registry\.npmjs\.org\//, path);
    }
  });
});

describe('openwrt/ (feed package)', () => {
  const mk = read('openwrt/midge/Makefile');
  const init = read('openwrt/midge/files/midge.init');

  it('Makefile: lang/node style, cross addons, node dependency, conffiles, version and hash', () => {
    for (const s of ['include $(TOPDIR)/rules.mk', 'include $(INCLUDE_DIR)/package.mk', 'PKG_BUILD_DEPENDS:=node/host', 'npm_config_arch=$(NODEJS_CPU)',
      'npm_config_target_arch=$(NODEJS_CPU)', 'npm_config_nodedir=$(STAGING_DIR)/usr/', '/usr/lib/node/midge', '$(eval $(call BuildPackage,midge))']) {
      assert.ok(mk.includes(s), s);
    }
    assert.match(mk, /^\s+DEPENDS:=\+node\b/m);
    assert.match(mk, /^PKG_MAINTAINER:=Midge maintainers <maintainers@midge\.invalid>$/m);
    assert.match(mk, /^PKG_LICENSE_FILES:=LICENSE THIRD-PARTY-LICENSES\.md$/m);
    assert.match(mk, /^PKG_LICENSE:=EPL-2\.0 MIT ISC Apache-2\.0 /m);
    assert.match(mk, /^\s+URL:=https:\/\/midge\.invalid\/$/m);
    assert.doesNotMatch(mk, /-execdir/, 'prune with packaging/prune-node-modules.sh');
    assert.match(mk, /\$\(PKG_BUILD_DIR\)\/board-configs/, 'board configs installed for midge --board');
    assert.match(mk, /define Package\/midge\/conffiles\n\/etc\/config\/midge\n/);
    assert.equal(/^PKG_VERSION:=(\S+)$/m.exec(mk)?.[1], VERSION);
    assert.equal(/^PKG_HASH:=(\S+)$/m.exec(mk)?.[1], HASH?.[1], 'same tarball hash as Buildroot');
    for (const m of mk.matchAll(/\.\/files\/(\S+)/g)) assert.ok(existsSync(join(ROOT, 'openwrt/midge/files', m[1]!)), m[1]);
    // make: recipe lines inside the command blocks are tab-indented
    for (const block of mk.matchAll(/^define (Build\/Compile|Package\/midge\/install)\n([\s\S]*?)^endef$/gm)) {
      for (const line of block[2]!.split('\n').filter(Boolean)) assert.match(line, /^\t/, `${block[1]}: ${line}`);
    }
  });

  it('procd init script: USE_PROCD, respawn, reload trigger on the UCI config', () => {
    assert.match(init, /^#!\/bin\/sh \/etc\/rc\.common$/m);
    assert.match(init, /^USE_PROCD=1$/m);
    assert.match(init, /^START=\d+$/m);
    assert.match(init, /procd_set_param respawn/);
    assert.match(init, /procd_add_reload_trigger "midge"/);
    assert.match(init, /\/usr\/libexec\/midge-uci2yaml/);
    assert.ok(existsSync(join(ROOT, 'openwrt/README.md')));
  });
});
