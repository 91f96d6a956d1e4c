/**
 * scripts/install.sh and uninstall.sh run against a temporary root
 * (DESTDIR) with a release staged the way build-release.sh stages one
 * (stage_app_files in scripts/packaging-lib.sh; node_modules linked to the
 * repository's). The tree is checked, the installed launcher validates the
 * installed default config, and `systemd-analyze verify` checks the unit.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/midge-process.js';
import { repoRoot } from '../helpers/repo-root.js';

const ROOT = repoRoot();

function sh(cmd: string, args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('install.sh / uninstall.sh into DESTDIR', () => {
  const tmp = tempDir('midge-install-');
  const release = join(tmp.path, 'midge-0.0.0-linux-x64');
  const dest = join(tmp.path, 'root');

  before(() => {
    const r = sh('bash', ['-c', `. scripts/packaging-lib.sh && stage_app_files "$1"`, 'x', release]);
    assert.equal(r.status, 0, r.out);
    symlinkSync(join(ROOT, 'node_modules'), join(release, 'node_modules'));
    writeFileSync(join(release, 'manifest.json'), JSON.stringify({ name: 'midge', node: { abi: Number(process.versions.modules) } }));
  });
  after(() => tmp.cleanup());

  it('installs the release, launcher, config, unit and udev rules', () => {
    const r = sh('sh', [join(release, 'install.sh'), release], { DESTDIR: dest });
    assert.equal(r.status, 0, r.out);
    for (const f of ['opt/midge/dist/cli.js', 'opt/midge/manifest.json', 'opt/midge/share/midge.service', 'opt/midge/uninstall.sh',
      'etc/midge/midge.yaml', 'etc/systemd/system/midge.service', 'etc/udev/rules.d/99-midge.rules']) {
      assert.ok(existsSync(join(dest, f)), `${f} installed`);
    }
    assert.ok(statSync(join(dest, 'var/lib/midge')).isDirectory());
    assert.equal(statSync(join(dest, 'opt/midge/bin/midge')).mode & 0o111, 0o111, 'launcher is executable');
    assert.ok(lstatSync(join(dest, 'usr/bin/midge')).isSymbolicLink());
    assert.ok(!readlinkSync(join(dest, 'usr/bin/midge')).startsWith('/'), 'relative link, right inside DESTDIR and on the device');
    assert.equal(realpathSync(join(dest, 'usr/bin/midge')), realpathSync(join(dest, 'opt/midge/bin/midge')));
    assert.equal(readFileSync(join(dest, 'etc/systemd/system/midge.service'), 'utf8'), readFileSync(join(ROOT, 'packaging/midge.service'), 'utf8'));
  });

  it('the installed launcher accepts the installed default config', () => {
    const r = sh(join(dest, 'usr/bin/midge'), ['check-config', join(dest, 'etc/midge/midge.yaml')]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /OK/);
  });

  it('systemd-analyze verify finds nothing wrong with the installed unit', { skip: sh('sh', ['-c', 'command -v systemd-analyze']).status !== 0 }, () => {
    // ExecStart* point at the launcher inside DESTDIR so that verify can check they are executable
    const unit = readFileSync(join(dest, 'etc/systemd/system/midge.service'), 'utf8').replaceAll('/usr/bin/midge', join(dest, 'usr/bin/midge'));
    const dir = join(tmp.path, 'verify');
    sh('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'midge.service'), unit);
    const r = sh('systemd-analyze', ['verify', join(dir, 'midge.service')], { SYSTEMD_LOG_LEVEL: 'notice' });
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out.trim(), '', 'no warnings');
  });

  it('a second install keeps an edited config', () => {
    writeFileSync(join(dest, 'etc/midge/midge.yaml'), 'listeners:\n  - host: 127.0.0.1\n    port: 1999\n');
    const r = sh('sh', [join(release, 'install.sh'), release], { DESTDIR: dest });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /keeping the existing/);
    assert.match(readFileSync(join(dest, 'etc/midge/midge.yaml'), 'utf8'), /1999/);
  });

  it('refuses a folder that is not a release', () => {
    const r = sh('sh', [join(release, 'install.sh'), tmp.path], { DESTDIR: join(tmp.path, 'other') });
    assert.equal(r.status, 1);
    assert.match(r.out, /not a Midge release/);
  });

  it('installs under another prefix', () => {
    const other = join(tmp.path, 'root2');
    const r = sh('sh', [join(release, 'install.sh'), '--prefix', '/usr/lib/midge', release], { DESTDIR: other });
    assert.equal(r.status, 0, r.out);
    assert.equal(realpathSync(join(other, 'usr/bin/midge')), realpathSync(join(other, 'usr/lib/midge/bin/midge')));
  });

  it('uninstall keeps data and config; --purge removes them', () => {
    writeFileSync(join(dest, 'var/lib/midge/midge.db'), 'data');
    let r = sh('sh', [join(dest, 'opt/midge/uninstall.sh')], { DESTDIR: dest });
    assert.equal(r.status, 0, r.out);
    for (const gone of ['opt/midge', 'usr/bin/midge', 'etc/systemd/system/midge.service', 'etc/udev/rules.d/99-midge.rules']) {
      assert.ok(!existsSync(join(dest, gone)), `${gone} removed`);
    }
    assert.ok(existsSync(join(dest, 'var/lib/midge/midge.db')), 'data kept');
    assert.ok(existsSync(join(dest, 'etc/midge/midge.yaml')), 'config kept');
    r = sh('sh', [join(ROOT, 'scripts/uninstall.sh'), '--purge'], { DESTDIR: dest });
    assert.equal(r.status, 0, r.out);
    assert.ok(!existsSync(join(dest, 'var/lib/midge')) && !existsSync(join(dest, 'etc/midge')), 'purged');
  });
});
