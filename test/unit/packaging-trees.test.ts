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
    assert.match(mk, /\$\(NPM\) ci --omit=dev/);
    for (const m of mk.matchAll(/\$\(MIDGE_PKGDIR\)\/(\S+)/g)) assert.ok(existsSync(br(`package/midge/${m[1]}`)), m[1]);
    for (const m of mk.matchAll(/\$\(MIDGE_PACKAGING_DIR\)\/(\S+)/g)) assert.ok(existsSync(join(ROOT, 'packaging', m[1]!)), m[1]);
    assert.match(mk, /^\tmidge -1 midge -1 \* \/var\/lib\/midge - dialout,gpio /m, 'users table line');
    assert.ok(statSync(br('package/midge/S90midge')).mode & 0o100, 'S90midge executable');
  });

  it('midge.hash names the source tarball of this version', () => {
    assert.ok(HASH, 'a sha256 line');
    assert.equal(HASH[2], `midge-${VERSION}.tgz`);
    assert.match(mk, /^MIDGE_SOURCE = midge-\$\(MIDGE_VERSION\)\.tgz$/m);
  });

  it('defconfig fragments enable midge and point at files that exist', () => {
    for (const name of ['midge_raspberrypi4_64_defconfig', 'midge_raspberrypi5_defconfig']) {
      const text = read(`buildroot/configs/${name}`);
      for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) assert.match(line, /^BR2_[A-Z0-9_]+=(y|"[^"]*"|\d+)$/, `${name}: ${line}`);
      assert.match(text, /^BR2_PACKAGE_MIDGE=y$/m);
      assert.match(text, /^BR2_PACKAGE_NODEJS=y$/m);
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
    for (const v of ['SUMMARY', 'LICENSE', 'LIC_FILES_CHKSUM', 'SRC_URI', 'SYSTEMD_SERVICE:${PN}', 'USERADD_PACKAGES', 'USERADD_PARAM:${PN}', 'CONFFILES:${PN}']) {
      assert.ok(bb.includes(`\n${v} = `) || bb.startsWith(`${v} = `), `${v} set`);
    }
    assert.match(bb, /npmsw:\/\/\$\{THISDIR\}\/files\/npm-shrinkwrap\.json/);
    assert.match(bb, /--groups dialout,gpio midge/);
    const dirs = [/FILESEXTRAPATHS:prepend := "([^"]+)"/.exec(bb)![1]!.split(':').filter(Boolean), '${THISDIR}/files'].flat()
      .map((d) => d.replace('${THISDIR}', join(ROOT, 'yocto-layer/recipes-connectivity/midge')));
    const srcUri = /^SRC_URI = "([^"]*)"$/m.exec(bb)![1]!;
    for (const m of srcUri.matchAll(/file:\/\/([^\s;"]+)/g)) assert.ok(dirs.some((d) => existsSync(join(d, m[1]!))), `file://${m[1]} found`);
    // LIC_FILES_CHKSUM: md5 of the selected package.json lines
    const lic = /file:\/\/package\.json;beginline=(\d+);endline=(\d+);md5=([0-9a-f]{32})/.exec(bb)!;
    const lines = read('package.json').split('\n').slice(Number(lic[1]) - 1, Number(lic[2]));
    assert.equal(createHash('md5').update(`${lines.join('\n')}\n`).digest('hex'), lic[3], 'LIC_FILES_CHKSUM md5 matches package.json');
    assert.equal(/^SRC_URI\[sha256sum\] = "([0-9a-f]{64})"$/m.exec(bb)?.[1], HASH?.[1], 'same tarball hash as Buildroot');
    assert.match(read('yocto-layer/recipes-core/packagegroups/packagegroup-midge.bb'), /^inherit packagegroup$/m);
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
