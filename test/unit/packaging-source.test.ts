/**
 * The source tarball the distribution trees build from (scripts/packaging-source.sh):
 * rebuilt here, its sha256 must be the one buildroot/, yocto-layer/ and openwrt/ declare
 * (else: scripts/packaging-source.sh --update-hashes), and it must hold every file a
 * packaged midge needs: the files the three trees install from it, board configs,
 * the unit, default config, udev rules and the licences; the second tarball (node_modules
 * sources for Buildroot's offline build) holds every production package and no binary. Also: the licence files are
 * current (scripts/third-party-licenses.mjs) and every shell script with a #! line is
 * executable in git.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';

const ROOT = repoRoot();
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;

/** Paths below the unpacked source that the three trees read (node_modules is made by the build). */
function filesTheTreesRead(): string[] {
  const bb = readdirSync(join(ROOT, 'yocto-layer/recipes-connectivity/midge')).find((f) => f.endsWith('.bb'))!;
  const sources: Array<[string, RegExp]> = [
    ['buildroot/package/midge/midge.mk', /\$\(@D\)\/([\w./-]+)/g],
    [`yocto-layer/recipes-connectivity/midge/${bb}`, /\$\{S\}\/([\w./-]+)/g],
    ['openwrt/midge/Makefile', /\$\(PKG_BUILD_DIR\)\/([\w./-]+)/g],
  ];
  const out = new Set<string>();
  for (const [file, re] of sources) {
    for (const m of read(file).matchAll(re)) if (!m[1]!.startsWith('node_modules')) out.add(m[1]!.replace(/\/$/, ''));
  }
  return [...out];
}

describe('source tarball (scripts/packaging-source.sh)', () => {
  const out = mkdtempSync(join(tmpdir(), 'midge-source-'));
  let check: ReturnType<typeof spawnSync>;
  let entries: string[] = [];
  before(() => {
    check = spawnSync('bash', [join(ROOT, 'scripts/packaging-source.sh'), '--check', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    const list = spawnSync('tar', ['tzf', join(out, `midge-${VERSION}.tgz`)], { encoding: 'utf8' });
    entries = list.status === 0 ? list.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, '').replace(/\/$/, '')) : [];
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('has the sha256 the three trees declare (else: scripts/packaging-source.sh --update-hashes)', () => {
    assert.equal(check.status, 0, String(check.stderr));
  });

  it('holds every file a packaged midge needs', () => {
    const need = ['package.json', 'npm-shrinkwrap.json', 'dist/cli.js', 'dist/index.js', 'dist/status-page/assets/index.html',
      'midge.example.yaml', 'README.md', 'LICENSE', 'THIRD-PARTY-LICENSES.md', 'packaging/midge.service', 'packaging/midge.yaml',
      'packaging/udev/99-midge.rules',
      ...readdirSync(join(ROOT, 'board-configs')).map((f) => `board-configs/${f}`)];
    for (const f of [...need, ...filesTheTreesRead()]) assert.ok(entries.includes(f), `${f} in midge-${VERSION}.tgz`);
    assert.ok(!entries.some((e) => e.endsWith('.map')), 'no source maps');
  });

  it('the node_modules tarball (Buildroot offline) holds every production package, addon sources, no prebuilt binary', () => {
    const list = spawnSync('tar', ['tzf', join(out, `midge-node-modules-${VERSION}.tar.gz`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(list.status, 0, list.stderr);
    const nm = new Set(list.stdout.split('\n').map((e) => e.replace(/\/$/, '')));
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    for (const [path, meta] of Object.entries(lock.packages)) {
      assert.equal(nm.has(`${path}/package.json`), path !== '' && !meta.dev, `${path || 'midge'}/package.json`);
    }
    assert.ok(nm.has('node_modules/better-sqlite3/deps/sqlite3/sqlite3.c'), 'SQLite source: the build compiles the addon');
    assert.ok(nm.has('node_modules/better-sqlite3/binding.gyp'));
    const binaries = [...nm].filter((e) => e.endsWith('.node') || /\/prebuilds(\/|$)/.test(e) || e === 'node_modules/.package-lock.json');
    assert.deepEqual(binaries, []);
  });
});

describe('packaging/prune-node-modules.sh', () => {
  it('removes addon sources, build leftovers, prebuilds and shell scripts, keeps the addon and exits 0', () => {
    const nm = mkdtempSync(join(tmpdir(), 'midge-prune-'));
    const files = ['a/binding.gyp', 'a/deps/sqlite3/sqlite3.c', 'a/src/addon.cpp', 'a/build/Release/a.node', 'a/build/Release/sqlite3.a',
      'a/build/Release/test_extension.node', 'a/build/Release/obj.target/a.o', 'a/build/Makefile', 'a/lib/index.js',
      'b/binding.gyp', 'b/prebuilds/linux-x64/b.node', 'b/lib/b.js', 'pino/inc-version.sh', 'pino/index.js'];
    for (const f of files) {
      mkdirSync(dirname(join(nm, f)), { recursive: true });
      writeFileSync(join(nm, f), 'x');
    }
    const r = spawnSync('sh', [join(ROOT, 'packaging/prune-node-modules.sh'), nm], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const left = files.filter((f) => existsSync(join(nm, f)));
    rmSync(nm, { recursive: true, force: true });
    assert.deepEqual(left, ['a/binding.gyp', 'a/build/Release/a.node', 'a/lib/index.js', 'b/binding.gyp', 'b/lib/b.js', 'pino/index.js']);
  });
});

describe('licence files', () => {
  it('LICENSE is the EPL-2.0 text that package.json declares', () => {
    assert.equal((JSON.parse(read('package.json')) as { license: string }).license, 'EPL-2.0');
    assert.match(read('LICENSE'), /^Eclipse Public License - v 2\.0\n/);
  });

  it('THIRD-PARTY-LICENSES.md and the Yocto licence include are current (node scripts/third-party-licenses.mjs)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/third-party-licenses.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('shell scripts in git', () => {
  it('a script with a #! line is executable, a sourced one (no #!) is not', () => {
    const r = spawnSync('git', ['ls-files', '-s', '--', 'scripts', 'buildroot', 'openwrt', 'yocto-layer', 'packaging'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // (buildroot's S90midge is the exception check-package wants: installed with -m 0755, 0644 in git)
    for (const line of r.stdout.split('\n').filter((l) => /\.(sh|init)$/.test(l))) {
      const [mode, , , path] = line.split(/\s+/);
      const shebang = read(path!).startsWith('#!');
      assert.equal(mode === '100755', shebang, `${path}: mode ${mode}, ${shebang ? '' : 'no '}#! line`);
    }
  });
});
