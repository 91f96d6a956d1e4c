/**
 * What input and output pins share: claiming the line through the shared
 * driver with retries (decorrelated-jitter backoff, as the bridge), the
 * retained availability topic, status and counters. A missing chip, a busy
 * line or a read failure is logged, shown in `status()` and retried;
 * nothing here throws out of `start()`.
 */
import type { Logger } from 'pino';
import { Backoff } from '../../util/backoff.js';
import type { GpioPinConfig } from '../../config/types.js';
import type { AdapterState, AdapterStatus } from '../../status-types.js';
import type { Adapter, AdapterContext } from '../types.js';
import type { GpioController } from './controller.js';
import type { GpioDriver } from './driver.js';

export interface PinContext {
  ctx: AdapterContext;
  controller: GpioController;
  /** `<prefix>/gpio/<name>`. */
  base: string;
  retry: { baseMs: number; capMs: number };
}

export abstract class PinAdapter implements Adapter {
  readonly kind = 'gpio';
  readonly name: string;
  protected readonly log: Logger;
  protected state: AdapterState = 'stopped';
  protected readonly counters: Record<string, number> = {};
  protected lastReading: AdapterStatus['lastReading'];
  private lastError: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private driver: GpioDriver | undefined;

  constructor(
    protected readonly pin: GpioPinConfig,
    protected readonly pc: PinContext,
  ) {
    this.name = pin.name;
    this.log = pc.ctx.logger.child({ adapter: 'gpio', pin: pin.name, line: pin.pin });
    this.backoff = new Backoff({ baseMs: pc.retry.baseMs, capMs: pc.retry.capMs });
  }

  /** Claims the line on `driver`; throws a DeviceError. */
  protected abstract open(driver: GpioDriver): void;
  /** Releases the line (outputs first apply their safe state). */
  protected abstract close(stopping: boolean): void;

  async start(): Promise<void> {
    this.state = 'starting';
    await this.attempt();
  }

  async stop(): Promise<void> {
    const was = this.state;
    this.state = 'stopped';
    clearTimeout(this.retryTimer);
    if (was === 'running') this.close(true);
    this.releaseDriver();
    this.publish(`${this.pc.base}/availability`, 'offline', true);
  }

  status(): AdapterStatus {
    return { kind: 'gpio', name: this.name, state: this.state, counters: { ...this.counters }, lastReading: this.lastReading, lastError: this.lastError };
  }

  /** A read or write failed after the line was open: release it and retry. */
  protected fault(err: Error): void {
    if (this.state !== 'running') return;
    this.count('faults');
    this.close(false);
    this.releaseDriver();
    this.publish(`${this.pc.base}/availability`, 'offline', true);
    this.failed(err, 'error');
  }

  protected count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  protected publish(topic: string, payload: string, retain: boolean): void {
    try {
      this.pc.ctx.bus.publish(topic, payload, { qos: 1, retain });
    } catch (err) {
      this.log.error({ err, topic }, 'publish failed');
    }
  }

  private async attempt(): Promise<void> {
    if (this.state === 'stopped') return;
    try {
      this.driver = await this.pc.controller.acquire();
      if ((this.state as AdapterState) === 'stopped') return this.releaseDriver(); // stop() ran while the driver opened
      this.open(this.driver);
    } catch (err) {
      this.releaseDriver();
      this.failed(err instanceof Error ? err : new Error(String(err)), 'waiting');
      return;
    }
    this.state = 'running';
    this.lastError = undefined;
    this.backoff.reset();
    this.log.info({ driver: this.driver.name }, `GPIO ${this.pin.pin} '${this.name}' ready as ${this.pin.direction === 'in' ? 'input' : 'output'}`);
    this.publish(`${this.pc.base}/availability`, 'online', true);
  }

  private failed(err: Error, state: AdapterState): void {
    if (this.state === 'stopped') return;
    this.state = state;
    const delay = this.backoff.next();
    if (err.message !== this.lastError) this.log.warn({ err, retryMs: Math.round(delay) }, `GPIO ${this.pin.pin} '${this.name}' unavailable: ${err.message}; retrying`);
    this.lastError = err.message;
    this.count('retries');
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
    this.retryTimer.unref();
  }

  private releaseDriver(): void {
    if (!this.driver) return;
    this.driver = undefined;
    this.pc.controller.release();
  }
}
