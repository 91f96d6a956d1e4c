/**
 * Finding a port: by path (must exist and be a character device), by USB
 * ids through the port list, and through a fake sysfs tree when the list
 * fails (no udevadm on OpenWrt or in containers).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPort, type FinderDeps } from '../../src/adapters/serial/port-finder.js';
import { listUsbTtys, type UsbPort } from '../../src/adapters/serial/sysfs-usb.js';

/** A sysfs tree like a Pi with a CH340 (ttyUSB0), an Arduino Uno (ttyACM0), a UART (ttyAMA0) and a console (tty1). */
function fakeSysfs(root: string): void {
  const usb = join(root, 'sys/devices/platform/scb/usb1/1-1');
  const ch340 = join(usb, '1-1.2');
  mkdirSync(join(ch340, '1-1.2:1.0/ttyUSB0/tty/ttyUSB0'), { recursive: true });
  writeFileSync(join(ch340, 'idVendor'), '1a86\n');
  writeFileSync(join(ch340, 'idProduct'), '7523\n');
  const uno = join(usb, '1-1.3');
  mkdirSync(join(uno, '1-1.3:1.0/tty/ttyACM0'), { recursive: true });
  writeFileSync(join(uno, 'idVendor'), '2341\n');
  writeFileSync(join(uno, 'idProduct'), '0043\n');
  writeFileSync(join(uno, 'serial'), '85735313932351F0A1D1\n');
  mkdirSync(join(root, 'sys/devices/platform/soc/fe201000.serial/tty/ttyAMA0'), { recursive: true });
  const cls = join(root, 'sys/class/tty');
  mkdirSync(join(cls, 'tty1'), { recursive: true }); // virtual: no device link
  for (const [name, target] of [
    ['ttyUSB0', join(ch340, '1-1.2:1.0/ttyUSB0')],
    ['ttyACM0', join(uno, '1-1.3:1.0')],
    ['ttyAMA0', join(root, 'sys/devices/platform/soc/fe201000.serial')],
  ] as const) {
    mkdirSync(join(cls, name));
    symlinkSync(target, join(cls, name, 'device'));
  }
}

describe('serial port finder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'midge-sysfs-'));
    fakeSysfs(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists USB ttys from sysfs with vendor, product and serial; non-USB ttys left out', async () => {
    const ports = await listUsbTtys({ sys: join(dir, 'sys'), dev: '/dev' });
    assert.deepEqual(ports, [
      { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043', serialNumber: '85735313932351F0A1D1' },
      { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', serialNumber: undefined },
    ]);
  });

  it('a missing sysfs gives an empty list, not an error', async () => {
    assert.deepEqual(await listUsbTtys({ sys: join(dir, 'nope'), dev: '/dev' }), []);
  });

  const sysfs = (): Promise<UsbPort[]> => listUsbTtys({ sys: join(dir, 'sys'), dev: '/dev' });
  const failingList = (): Promise<UsbPort[]> => Promise.reject(new Error('spawn udevadm ENOENT'));

  it('USB match falls back to sysfs when the port list fails, and says so', async () => {
    const r = await findPort({ usbVendorId: '1A86', usbProductId: '7523' }, { list: failingList, sysfsList: sysfs });
    assert.equal(r.found, true);
    assert.equal(r.found && r.path, '/dev/ttyUSB0');
    assert.match((r.found && r.note) || '', /udevadm ENOENT.*sysfs/);
  });

  it('USB serial number picks one of several identical adapters', async () => {
    const list: FinderDeps['list'] = async () => [
      { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'B' },
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A' },
    ];
    const exact = await findPort({ usbVendorId: '0403', usbProductId: '6001', usbSerial: 'B' }, { list, sysfsList: sysfs });
    assert.deepEqual(exact, { found: true, path: '/dev/ttyUSB1', realPath: '/dev/ttyUSB1' });
    const ambiguous = await findPort({ usbVendorId: '0403', usbProductId: '6001' }, { list, sysfsList: sysfs });
    assert.equal(ambiguous.found && ambiguous.path, '/dev/ttyUSB0', 'first by path');
    assert.match((ambiguous.found && ambiguous.note) || '', /2 ports match.*usb_serial/);
  });

  it('no USB match: not found, with the reason', async () => {
    const r = await findPort({ usbVendorId: '10c4', usbProductId: 'ea60' }, { list: async () => [], sysfsList: sysfs });
    assert.deepEqual(r, { found: false, reason: 'no port matches USB 10c4:ea60' });
  });

  it('by path: a missing path and a regular file are not found; a character device is', async () => {
    const deps = { list: failingList, sysfsList: sysfs };
    const missing = await findPort({ path: join(dir, 'by-id/usb-gone') }, deps);
    assert.equal(missing.found, false);
    assert.match(!missing.found ? missing.reason : '', /no such device \(unplugged\?\)/);
    writeFileSync(join(dir, 'plain'), '');
    const plain = await findPort({ path: join(dir, 'plain') }, deps);
    assert.match(!plain.found ? plain.reason : '', /not a character device/);
    symlinkSync('/dev/null', join(dir, 'by-id-link'));
    assert.deepEqual(await findPort({ path: join(dir, 'by-id-link') }, deps), { found: true, path: join(dir, 'by-id-link'), realPath: '/dev/null' });
  });
});
