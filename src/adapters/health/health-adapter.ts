/**
 * Publishes gateway health: every `health.interval` the cheap values
 * (/proc, /sys), every `health.disk_interval` the free space of the data
 * directory (statfs with a timeout), and once at start the inventory
 * (systeminformation). Each poll has an in-flight guard: a poll that is
 * due while the previous one still runs is skipped and counted, never
 * stacked. Topics: `<prefix>/health` (JSON, retained),
 * `<prefix>/health/<value>` (plain, retained), `<prefix>/health/info`,
 * `<prefix>/health/availability`, and `$SYS/midge/health/<value>`.
 */
import type { Logger } from 'pino';
import type { HealthConfig } from '../../config/types.js';
import type { AdapterState, AdapterStatus } from '../../status-types.js';
import type { Adapter, AdapterContext } from '../types.js';
import { computeValues, diskValues } from './compute.js';
import type { HealthValues, RawSample } from './compute.js';
import { gatherInventory } from './inventory.js';
import type { InventoryReader } from './inventory.js';
import type { HealthSource } from './source.js';
import { HEALTH_METRICS } from './metrics.js';

/** Units of the values that have one, as the status page shows them. */
const HEALTH_UNITS: Record<string, string> = Object.fromEntries(HEALTH_METRICS.flatMap((m) => (m.unit ? [[m.key, m.unit]] : [])));

export interface HealthAdapterOptions {
  config: HealthConfig;
  /** `<prefix>/health`. */
  base: string;
  dataPath: string;
  source: HealthSource;
  inventory: InventoryReader;
  inventoryTimeoutMs?: number;
  diskTimeoutMs?: number;
  /** Delay of the first full sample after the baseline; default min(interval, 5 s). */
  firstSampleMs?: number;
}

export class HealthAdapter implements Adapter {
  readonly kind = 'health';
  readonly name = 'health';
  private state: AdapterState = 'stopped';
  private readonly counters: Record<string, number> = { samples: 0, polls_skipped: 0, errors: 0 };
  private lastReading: AdapterStatus['lastReading'];
  private lastError: string | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private prev: RawSample | undefined;
  private disk: HealthValues = diskValues(null);
  private busy = { sample: false, disk: false };
  private readonly log: Logger;

  constructor(
    private readonly o: HealthAdapterOptions,
    private readonly ctx: AdapterContext,
  ) {
    this.log = ctx.logger.child({ adapter: 'health' });
  }

  async start(): Promise<void> {
    this.state = 'starting';
    const { interval, disk_interval: diskInterval } = this.o.config;
    this.publish(`${this.o.base}/availability`, 'online');
    void this.inventory();
    await this.guarded('disk', () => this.sampleDisk());
    this.prev = await this.raw().catch(() => undefined);
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    const first = setTimeout(() => void this.guarded('sample', () => this.sample()), this.o.firstSampleMs ?? Math.min(interval * 1000, 5000));
    first.unref();
    this.timers.push(first);
    every(interval * 1000, () => void this.guarded('sample', () => this.sample()));
    every(diskInterval * 1000, () => void this.guarded('disk', () => this.sampleDisk()));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    if (this.state !== 'stopped') this.publish(`${this.o.base}/availability`, 'offline');
    this.state = 'stopped';
  }

  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  status(): AdapterStatus {
    return { kind: 'health', name: this.name, state: this.state, counters: { ...this.counters }, lastReading: this.lastReading, lastError: this.lastError, units: HEALTH_UNITS };
  }

  private async guarded(which: 'sample' | 'disk', poll: () => Promise<void>): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.busy[which]) {
      this.counters.polls_skipped++;
      return;
    }
    this.busy[which] = true;
    try {
      await poll();
    } catch (err) {
      this.counters.errors++;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (!this.stopped) this.state = 'error';
      this.log.error({ err }, `health ${which} failed`);
    } finally {
      this.busy[which] = false;
    }
  }

  private async sample(): Promise<void> {
    const cur = await this.raw();
    const values = { ...computeValues(this.prev, cur), ...this.disk };
    this.prev = cur;
    if (this.stopped) return; // stop() ran during the sample
    this.counters.samples++;
    this.state = 'running';
    this.publishValues(cur.at, values);
  }

  private async sampleDisk(): Promise<void> {
    const ms = this.o.diskTimeoutMs ?? 10000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    });
    const disk = await Promise.race([this.o.source.disk(this.o.dataPath), timeout]).finally(() => clearTimeout(timer));
    if (disk === null) this.counters.disk_unavailable = (this.counters.disk_unavailable ?? 0) + 1;
    this.disk = diskValues(disk);
  }

  private async raw(): Promise<RawSample> {
    const s = this.o.source;
    const [cpu, load, temp, mem, uptime, net, throttled] = await Promise.all([
      s.cpuTimes(), s.loadAverage(), s.temperature(), s.memory(), s.uptime(), s.network(), s.throttled(),
    ]);
    return { at: Date.now(), cpu, load, temp, mem, uptime, net, throttled, rss: process.memoryUsage.rss() };
  }

  private async inventory(): Promise<void> {
    const { inventory, error } = await gatherInventory(this.o.inventory, this.o.inventoryTimeoutMs ?? 15000);
    if (error) this.log.warn(`system inventory incomplete: ${error}`);
    if (!this.stopped) this.publish(`${this.o.base}/info`, JSON.stringify(inventory));
  }

  private publishValues(at: number, values: HealthValues): void {
    this.publish(this.o.base, JSON.stringify({ at: new Date(at).toISOString(), ...values }));
    for (const [key, value] of Object.entries(values)) {
      if (value === null) continue;
      this.publish(`${this.o.base}/${key}`, String(value));
      if (this.o.config.sys_topics) this.publish(`$SYS/midge/health/${key}`, String(value));
    }
    this.lastReading = { at, values };
    this.ctx.onReading?.({ kind: 'health', device: 'health', at, values });
  }

  private publish(topic: string, payload: string): void {
    try {
      this.ctx.bus.publish(topic, payload, { retain: true });
    } catch (err) {
      this.log.error({ err, topic }, 'publish failed');
    }
  }
}
