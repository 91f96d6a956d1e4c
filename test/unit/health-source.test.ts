/**
 * Health values: the /proc and /sys reader against this machine's real
 * /proc (plausibility), against a prepared /sys tree (thermal zones, Pi
 * throttling), and the pure computations from two samples.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeValues, cpuPercent, diskValues } from '../../src/adapters/health/compute.js';
import type { RawSample } from '../../src/adapters/health/compute.js';
import { gatherInventory } from '../../src/adapters/health/inventory.js';
import { parseCpuTimes, parseNetDev, ProcSource } from '../../src/adapters/health/proc-source.js';

function tree(files: Record<string, string>): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'midge-sys-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

describe('ProcSource on this machine', () => {
  const src = new ProcSource();

  it('reads plausible CPU times, load, memory, uptime and network from the real /proc', async () => {
    const a = await src.cpuTimes();
    assert.ok(a && a.total > 0 && a.idle > 0 && a.idle <= a.total, JSON.stringify(a));
    const load = await src.loadAverage();
    assert.ok(load && load.every((l) => l >= 0 && l < 1000), JSON.stringify(load));
    const mem = await src.memory();
    assert.ok(mem && mem.totalBytes > 64 * 2 ** 20 && mem.availableBytes > 0 && mem.availableBytes <= mem.totalBytes, JSON.stringify(mem));
    const up = await src.uptime();
    assert.ok(up !== null && up > 0 && up < 10 * 365 * 86400);
    const net = await src.network();
    assert.ok(net && net.rxBytes >= 0 && net.txBytes >= 0);
    const b = await src.cpuTimes();
    assert.ok(b && b.total >= a.total, 'CPU time only grows');
  });

  it('measures the filesystem of the data directory, or of its nearest existing parent', async () => {
    const disk = await src.disk(join(tmpdir(), 'midge-no-such-dir', 'data'));
    assert.ok(disk && disk.totalBytes > 0 && disk.freeBytes >= 0 && disk.freeBytes <= disk.totalBytes, JSON.stringify(disk));
  });

  it('a missing /sys tree gives null temperature and throttling, not an error', async () => {
    const none = new ProcSource({ sysRoot: '/nonexistent-sys', procRoot: '/nonexistent-proc' });
    assert.equal(await none.temperature(), null);
    assert.equal(await none.throttled(), null);
    assert.equal(await none.cpuTimes(), null);
    assert.equal(await none.memory(), null);
  });
});

describe('ProcSource on a prepared /sys', () => {
  it('prefers the CPU thermal zone and reads millidegrees; reads Pi throttling bits', async () => {
    const t = tree({
      'class/thermal/thermal_zone0/type': 'acpitz\n',
      'class/thermal/thermal_zone0/temp': '27800\n',
      'class/thermal/thermal_zone1/type': 'cpu-thermal\n',
      'class/thermal/thermal_zone1/temp': '48312\n',
      'devices/platform/soc/soc:firmware/get_throttled': '0x50005\n',
    });
    try {
      const src = new ProcSource({ sysRoot: t.root });
      assert.equal(await src.temperature(), 48.312);
      assert.equal(await src.throttled(), 0x50005);
    } finally {
      t.cleanup();
    }
  });

  it('falls back to the first zone when none is a known CPU type', async () => {
    const t = tree({ 'class/thermal/thermal_zone0/type': 'board\n', 'class/thermal/thermal_zone0/temp': '31000\n' });
    try {
      assert.equal(await new ProcSource({ sysRoot: t.root }).temperature(), 31);
    } finally {
      t.cleanup();
    }
  });
});

describe('parsers and computations', () => {
  it('parses /proc/stat and /proc/net/dev (loopback left out)', () => {
    assert.deepEqual(parseCpuTimes('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n'), { idle: 850, total: 1000 });
    assert.equal(parseCpuTimes('intr 1 2 3\n'), null);
    const dev = 'Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n wlan0: 5 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n';
    assert.deepEqual(parseNetDev(dev), { rxBytes: 1005, txBytes: 2007 });
  });

  it('computes CPU load, rates and percentages from two samples', () => {
    const a: RawSample = { at: 0, cpu: { idle: 800, total: 1000 }, load: [0.5, 0.4, 0.3], temp: 50.04, mem: { totalBytes: 1000, availableBytes: 250 }, uptime: 100.7, net: { rxBytes: 1000, txBytes: 500 }, throttled: 0, rss: 42 };
    const b: RawSample = { ...a, at: 10000, cpu: { idle: 1100, total: 1400 }, net: { rxBytes: 21000, txBytes: 400 }, throttled: 0x50005 };
    const v = computeValues(a, b);
    assert.equal(v.cpu_load, 25);
    assert.deepEqual([v.load1, v.load5, v.load15], [0.5, 0.4, 0.3]);
    assert.equal(v.cpu_temp, 50);
    assert.equal(v.mem_used_percent, 75);
    assert.equal(v.uptime, 100);
    assert.equal(v.net_rx_rate, 2000);
    assert.equal(v.net_tx_rate, null, 'a counter that went backwards gives no rate');
    assert.equal(v.under_voltage, true);
    assert.equal(computeValues(undefined, a).cpu_load, null, 'no load before two samples');
    assert.equal(cpuPercent({ idle: 1, total: 10 }, { idle: 1, total: 10 }), null);
  });

  it('missing values stay null: no thermal zone, not a Pi', () => {
    const s: RawSample = { at: 0, cpu: null, load: null, temp: null, mem: null, uptime: null, net: null, throttled: null, rss: 1 };
    const v = computeValues(s, { ...s, at: 1000 });
    assert.equal(v.cpu_temp, null);
    assert.equal(v.under_voltage, null);
    assert.equal(v.mem_used_percent, null);
    assert.deepEqual(diskValues(null), { disk_total: null, disk_free: null, disk_used_percent: null });
    assert.deepEqual(diskValues({ totalBytes: 200, freeBytes: 50 }), { disk_total: 200, disk_free: 50, disk_used_percent: 75 });
  });

  it('inventory: a reader that hangs is cut off by the timeout and leaves the versions', async () => {
    const slow = await gatherInventory(() => new Promise(() => undefined), 50);
    assert.match(slow.error ?? '', /timed out after 50 ms/);
    assert.equal(slow.inventory.node, process.version);
    const ok = await gatherInventory(async () => ({ model: 'Raspberry Pi 4 Model B Rev 1.5' }), 1000);
    assert.equal(ok.inventory.model, 'Raspberry Pi 4 Model B Rev 1.5');
  });
});
