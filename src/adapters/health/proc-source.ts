/**
 * Health values read straight from /proc and /sys: a few small file reads
 * per sample, no child processes (systeminformation shells out for load,
 * temperature and network, and `df` can hang on a stale network mount).
 * Disk space comes from statfs(2) on the data directory itself. Roots are
 * injectable so tests can point them at a prepared tree.
 */
import { readdir, readFile, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CpuTimes, HealthSource } from './source.js';

/** Thermal zone types of the CPU/SoC sensor, best first (Pi, x86, other ARM boards). */
const CPU_ZONE_TYPES = ['cpu-thermal', 'cpu_thermal', 'x86_pkg_temp', 'soc_thermal', 'soc-thermal', 'cpu0-thermal'];

/** Where the Raspberry Pi firmware driver exposes get_throttled (Pi 0-4; Pi 5). */
const THROTTLED_PATHS = ['devices/platform/soc/soc:firmware/get_throttled', 'devices/platform/axi/axi:firmware/get_throttled'];

export interface ProcSourceOptions {
  procRoot?: string;
  sysRoot?: string;
}

export class ProcSource implements HealthSource {
  private readonly proc: string;
  private readonly sys: string;
  private zonePath: string | null | undefined;

  constructor(options: ProcSourceOptions = {}) {
    this.proc = options.procRoot ?? '/proc';
    this.sys = options.sysRoot ?? '/sys';
  }

  async cpuTimes(): Promise<CpuTimes | null> {
    const text = await this.read(join(this.proc, 'stat'));
    return text === null ? null : parseCpuTimes(text);
  }

  async loadAverage(): Promise<[number, number, number] | null> {
    const parts = (await this.read(join(this.proc, 'loadavg')))?.split(/\s+/).slice(0, 3).map(Number);
    return parts && parts.length === 3 && parts.every(Number.isFinite) ? [parts[0], parts[1], parts[2]] : null;
  }

  async temperature(): Promise<number | null> {
    this.zonePath ??= await this.findCpuZone();
    if (this.zonePath === null) return null;
    const milli = Number(await this.read(this.zonePath));
    return Number.isFinite(milli) ? milli / 1000 : null;
  }

  async memory(): Promise<{ totalBytes: number; availableBytes: number } | null> {
    const text = await this.read(join(this.proc, 'meminfo'));
    if (text === null) return null;
    const kb = (key: string): number | undefined => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    const total = kb('MemTotal');
    const available = kb('MemAvailable') ?? kb('MemFree');
    return total === undefined || available === undefined ? null : { totalBytes: total, availableBytes: available };
  }

  async uptime(): Promise<number | null> {
    const s = Number((await this.read(join(this.proc, 'uptime')))?.split(/\s+/)[0]);
    return Number.isFinite(s) ? s : null;
  }

  async network(): Promise<{ rxBytes: number; txBytes: number } | null> {
    const text = await this.read(join(this.proc, 'net', 'dev'));
    return text === null ? null : parseNetDev(text);
  }

  async throttled(): Promise<number | null> {
    for (const p of THROTTLED_PATHS) {
      const text = await this.read(join(this.sys, p));
      if (text !== null && /^(0x)?[0-9a-f]+$/i.test(text)) return parseInt(text, 16);
    }
    return null;
  }

  async disk(path: string): Promise<{ totalBytes: number; freeBytes: number } | null> {
    // the data directory may not exist yet: measure the filesystem it will be created on
    for (let p = resolve(path); ; p = dirname(p)) {
      try {
        const s = await statfs(p);
        return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) return null;
      }
    }
  }

  private async findCpuZone(): Promise<string | null> {
    const root = join(this.sys, 'class', 'thermal');
    let zones: string[];
    try {
      zones = (await readdir(root)).filter((z) => z.startsWith('thermal_zone')).sort();
    } catch {
      return null;
    }
    const types = await Promise.all(zones.map(async (z) => (await this.read(join(root, z, 'type'))) ?? ''));
    for (const want of CPU_ZONE_TYPES) {
      const i = types.indexOf(want);
      if (i >= 0) return join(root, zones[i], 'temp');
    }
    return zones.length > 0 ? join(root, zones[0], 'temp') : null;
  }

  private async read(path: string): Promise<string | null> {
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch {
      return null;
    }
  }
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal. */
export function parseCpuTimes(stat: string): CpuTimes | null {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4 || !v.every(Number.isFinite)) return null;
  return { idle: v[3] + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) };
}

/** Sums receive and transmit bytes of every interface in /proc/net/dev except loopback. */
export function parseNetDev(text: string): { rxBytes: number; txBytes: number } | null {
  let rx = 0;
  let tx = 0;
  let seen = false;
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 9 || !Number.isFinite(f[0]) || !Number.isFinite(f[8])) continue;
    rx += f[0];
    tx += f[8];
    seen = true;
  }
  return seen || text.includes('|') ? { rxBytes: rx, txBytes: tx } : null;
}
