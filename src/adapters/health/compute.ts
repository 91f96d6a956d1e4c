/**
 * Turns two raw samples into published values: CPU busy percentage and
 * network rates from the difference between samples, memory and disk
 * percentages, Raspberry Pi under-voltage from the throttling bits. Pure.
 */
import type { CpuTimes } from './source.js';

export interface RawSample {
  /** Epoch ms. */
  at: number;
  cpu: CpuTimes | null;
  load: [number, number, number] | null;
  temp: number | null;
  mem: { totalBytes: number; availableBytes: number } | null;
  uptime: number | null;
  net: { rxBytes: number; txBytes: number } | null;
  throttled: number | null;
  rss: number;
}

export type HealthValues = Record<string, number | boolean | null>;

/** Bit 0 of get_throttled: under-voltage detected now. */
const UNDER_VOLTAGE_NOW = 0x1;

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function computeValues(prev: RawSample | undefined, cur: RawSample): HealthValues {
  const v: HealthValues = {};
  v.cpu_load = prev?.cpu && cur.cpu ? cpuPercent(prev.cpu, cur.cpu) : null;
  [v.load1, v.load5, v.load15] = cur.load ?? [null, null, null];
  v.cpu_temp = cur.temp === null ? null : round(cur.temp, 1);
  if (cur.mem) {
    v.mem_total = cur.mem.totalBytes;
    v.mem_available = cur.mem.availableBytes;
    v.mem_used_percent = cur.mem.totalBytes > 0 ? round(100 * (1 - cur.mem.availableBytes / cur.mem.totalBytes), 1) : null;
  } else {
    v.mem_total = v.mem_available = v.mem_used_percent = null;
  }
  v.uptime = cur.uptime === null ? null : Math.floor(cur.uptime);
  v.net_rx_bytes = cur.net?.rxBytes ?? null;
  v.net_tx_bytes = cur.net?.txBytes ?? null;
  const dt = prev ? (cur.at - prev.at) / 1000 : 0;
  v.net_rx_rate = prev?.net && cur.net && dt > 0 ? rate(prev.net.rxBytes, cur.net.rxBytes, dt) : null;
  v.net_tx_rate = prev?.net && cur.net && dt > 0 ? rate(prev.net.txBytes, cur.net.txBytes, dt) : null;
  v.throttled = cur.throttled;
  v.under_voltage = cur.throttled === null ? null : (cur.throttled & UNDER_VOLTAGE_NOW) !== 0;
  v.process_rss = cur.rss;
  return v;
}

export function diskValues(disk: { totalBytes: number; freeBytes: number } | null): HealthValues {
  if (!disk) return { disk_total: null, disk_free: null, disk_used_percent: null };
  const used = disk.totalBytes > 0 ? round(100 * (1 - disk.freeBytes / disk.totalBytes), 1) : null;
  return { disk_total: disk.totalBytes, disk_free: disk.freeBytes, disk_used_percent: used };
}

/** Busy share of CPU time between two samples, 0..100; null when no time passed. */
export function cpuPercent(a: CpuTimes, b: CpuTimes): number | null {
  const total = b.total - a.total;
  if (total <= 0) return null;
  const busy = total - (b.idle - a.idle);
  return round(Math.min(100, Math.max(0, (100 * busy) / total)), 1);
}

/** Bytes per second; a counter that went backwards (interface reset, 32-bit wrap) gives null. */
function rate(a: number, b: number, dtSeconds: number): number | null {
  return b < a ? null : Math.round((b - a) / dtSeconds);
}
