/**
 * The Raspberry Pi image (scripts/build-image.sh, docs/packaging.md "SD-card
 * image"): its files agree with each other. The partition labels the build
 * gives are the ones fstab and cmdline.txt mount, the root and the firmware
 * partition are read-only, logs and temporary files are in RAM, and the store
 * partition is /var/lib/midge, the unit's StateDirectory. Booting it is
 * scripts/image-smoke.sh (qemu, minutes), not a unit test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';

const ROOT = repoRoot();
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const lib = read('scripts/image-lib.sh');
const label = (name: string): string => {
  const m = new RegExp(`^${name}=(\\S+)$`, 'm').exec(lib);
  assert.ok(m, `${name} in image-lib.sh`);
  return m[1]!;
};
/** mount point -> [source, type, options] of the image's fstab. */
function fstab(): Map<string, [string, string, string[]]> {
  const out = new Map<string, [string, string, string[]]>();
  for (const line of read('scripts/image/rootfs/etc/fstab').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [source, target, type, options] = line.split(/\s+/);
    out.set(target!, [source!, type!, options!.split(',')]);
  }
  return out;
}

describe('Raspberry Pi image files', () => {
  it('fstab mounts the partitions the build labels: root and firmware read-only, the store read-write', () => {
    const mounts = fstab();
    assert.deepEqual(mounts.get('/')?.slice(0, 2), [`LABEL=${label('LABEL_ROOT')}`, 'ext4']);
    assert.ok(mounts.get('/')![2].includes('ro'), 'root read-only');
    assert.deepEqual(mounts.get('/boot/firmware')?.slice(0, 2), [`LABEL=${label('LABEL_BOOT')}`, 'vfat']);
    assert.ok(mounts.get('/boot/firmware')![2].includes('ro'), 'firmware partition read-only');
    assert.deepEqual(mounts.get('/var/lib/midge')?.slice(0, 2), [`LABEL=${label('LABEL_DATA')}`, 'ext4']);
    assert.ok(mounts.get('/var/lib/midge')![2].includes('rw'), 'store read-write');
    for (const volatile of ['/var/log', '/tmp', '/var/tmp']) {
      assert.equal(mounts.get(volatile)?.[1], 'tmpfs', `${volatile} in RAM`);
    }
  });

  it('the kernel command line mounts the root partition read-only by its label', () => {
    const cmdline = read('scripts/image/boot/cmdline.txt').trim().split(/\s+/);
    assert.ok(cmdline.includes(`root=LABEL=${label('LABEL_ROOT')}`));
    assert.ok(cmdline.includes('ro') && !cmdline.includes('rw'));
    assert.ok(cmdline.includes('rootwait'), 'SD cards appear late');
  });

  it('the store partition is the unit state directory, the journal stays in RAM', () => {
    assert.match(read('packaging/midge.service'), /^StateDirectory=midge$/m);
    assert.match(read('scripts/image/rootfs/etc/systemd/system/midge.service.d/image.conf'), /^RequiresMountsFor=\/var\/lib\/midge$/m);
    assert.match(read('scripts/image/rootfs/etc/systemd/journald.conf.d/volatile.conf'), /^Storage=volatile$/m);
  });

  it('first boot runs before midge and is executable', () => {
    const unit = read('scripts/image/rootfs/etc/systemd/system/midge-firstboot.service');
    assert.match(unit, /^Before=.*\bmidge\.service\b/m);
    // The firmware partition is nofail in fstab: local-fs.target does not order it.
    assert.ok(fstab().get('/boot/firmware')![2].includes('nofail'));
    assert.match(unit, /^After=.*\bboot-firmware\.mount\b/m, 'reads /boot/firmware only once it is mounted');
    assert.match(unit, /^ConditionPathExists=\|\/boot\/firmware\/firstboot\.txt$/m);
    assert.match(unit, /^ConditionPathExists=\|\/boot\/firmware\/midge\.yaml$/m);
    assert.notEqual(statSync(join(ROOT, 'scripts/image/rootfs/usr/local/sbin/midge-firstboot')).mode & 0o111, 0);
  });
});
