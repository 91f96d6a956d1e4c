/**
 * The systemd unit (packaging/midge.service) has the hardening issue 7 asks
 * for and nothing that breaks Node or device access; every shell script of the
 * packaging passes `sh -n` / `bash -n` and, where installed, shellcheck.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';

const ROOT = repoRoot();

/** key -> all values of `key=value` lines of one INI section. */
function section(text: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      current = head[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (current !== name || eq < 0) continue;
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

describe('packaging/midge.service', () => {
  const service = section(readFileSync(join(ROOT, 'packaging/midge.service'), 'utf8'), 'Service');
  const one = (key: string): string | undefined => service.get(key)?.at(-1);

  it('is Type=notify with a watchdog and the helper-friendly NotifyAccess', () => {
    assert.equal(one('Type'), 'notify');
    assert.equal(one('NotifyAccess'), 'all');
    assert.ok(Number(one('WatchdogSec')) >= 10, 'WatchdogSec set');
    assert.equal(one('Restart'), 'on-failure');
    assert.match(one('ExecStart') ?? '', /^\/usr\/bin\/midge -c \/etc\/midge\/midge\.yaml$/);
    assert.match(one('ExecReload') ?? '', /kill -HUP \$MAINPID/);
  });

  it('runs as midge in dialout and gpio with its own state and config directories', () => {
    assert.equal(one('User'), 'midge');
    assert.deepEqual(one('SupplementaryGroups')?.split(/\s+/).sort(), ['dialout', 'gpio']);
    assert.equal(one('StateDirectory'), 'midge');
    assert.equal(one('ConfigurationDirectory'), 'midge');
  });

  it('is hardened without breaking V8 or device access', () => {
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.equal(one('DevicePolicy'), 'closed');
    const allowed = service.get('DeviceAllow') ?? [];
    for (const dev of ['char-ttyS', 'char-ttyUSB', 'char-ttyACM', 'char-ttyAMA', 'char-gpiochip']) {
      assert.ok(allowed.includes(`${dev} rw`), `DeviceAllow=${dev} rw`);
    }
    assert.equal(service.get('MemoryDenyWriteExecute'), undefined, 'V8 needs W+X pages');
    assert.equal(service.get('PrivateDevices'), undefined, 'would hide serial and GPIO devices');
  });
});

describe('packaging shell scripts', () => {
  const scripts: Array<[string, string]> = [
    ['bash', 'scripts/build-release.sh'],
    ['bash', 'scripts/arm-smoke.sh'],
    ['bash', 'scripts/packaging-lib.sh'],
    ['bash', 'scripts/packaging-ci.sh'],
    ['bash', 'scripts/packaging-source.sh'],
    ['bash', 'scripts/packaging-node-modules.sh'],
    ['bash', 'scripts/packaging-offline-build.sh'],
    ['sh', 'scripts/install.sh'],
    ['sh', 'scripts/uninstall.sh'],
    ['sh', 'buildroot/package/midge/S90midge'],
    ['sh', 'openwrt/midge/files/midge.init'],
    ['sh', 'openwrt/midge/files/midge-uci2yaml.sh'],
    ['sh', 'scripts/powercut/guest-init.sh'],
    ['sh', 'packaging/prune-node-modules.sh'],
    ['bash', 'scripts/build-image.sh'],
    ['bash', 'scripts/image-lib.sh'],
    ['bash', 'scripts/image-smoke.sh'],
    ['sh', 'scripts/image/rootfs/usr/local/sbin/midge-firstboot'],
  ];
  const hasShellcheck = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0;

  for (const [shell, file] of scripts) {
    it(`${file} parses (${shell} -n)${hasShellcheck ? ' and passes shellcheck' : ''}`, () => {
      const path = join(ROOT, file);
      assert.ok(existsSync(path), `${file} exists`);
      const n = spawnSync(shell, ['-n', path], { encoding: 'utf8' });
      assert.equal(n.status, 0, n.stderr);
      if (!hasShellcheck) return;
      // procd init scripts are run by /etc/rc.common, which defines start_service & co.
      const extra = file.endsWith('.init') ? ['--shell=sh', '-e', 'SC2034,SC2317,SC3043'] : [];
      const sc = spawnSync('shellcheck', ['-x', ...extra, path], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(sc.status, 0, sc.stdout + sc.stderr);
    });
  }
});
