/**
 * A GPIO input as topics: the debounced logical state retained on
 * `<prefix>/gpio/<name>` (payload_on/payload_off), and with `counter` the
 * ON-pulse count and rate on `<name>/count` and `<name>/rate` (pulses per
 * minute over the last counter interval). With the simulated driver,
 * `<name>/simulate` (ON/OFF) drives the line, for development.
 */
import type { GpioInputLine, GpioDriver, Level } from './driver.js';
import { DebouncedInput } from './debounce.js';
import { PinAdapter } from './pin-adapter.js';
import type { PinContext } from './pin-adapter.js';
import type { GpioPinConfig } from '../../config/types.js';
import { SimulatedDriver } from './simulated-driver.js';
import { parseCommand } from './commands.js';

export class InputPin extends PinAdapter {
  private line: GpioInputLine | undefined;
  private input: DebouncedInput | undefined;
  private counterTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private count_ = 0;
  private countAtLastRate = 0;

  constructor(
    pin: GpioPinConfig,
    pc: PinContext,
    private readonly counterIntervalMs: number,
  ) {
    super(pin, pc);
  }

  protected open(driver: GpioDriver): void {
    if (this.pin.bias !== 'as-is' && !driver.supportsBias) {
      this.log.warn(`the ${driver.name} driver cannot set bias ${this.pin.bias}; set it in config.txt (gpio=${this.pin.pin}=${this.pin.bias === 'pull-up' ? 'pu' : this.pin.bias === 'pull-down' ? 'pd' : 'pn'}) or use driver: chardev`);
    }
    const line = driver.openInput(this.pin.pin, this.pin.bias);
    const input = new DebouncedInput({
      debounceMs: this.pin.debounce_ms,
      activeLow: this.pin.active_low,
      edge: this.pin.edge,
      onState: (on) => this.publishState(on),
      onPulse: () => {
        this.count_++;
        this.count('pulses');
      },
    });
    try {
      this.publishState(input.init(line.read()));
      line.watch(
        (level) => {
          this.count('edges');
          input.raw(level);
        },
        (err) => this.fault(err),
      );
    } catch (err) {
      line.close();
      throw err;
    }
    this.line = line;
    this.input = input;
    if (this.pin.counter) this.startCounter();
    if (driver instanceof SimulatedDriver) this.simulateFrom(driver);
  }

  protected close(): void {
    this.input?.stop();
    this.line?.close();
    this.line = undefined;
    this.input = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.counterTimer) {
      clearInterval(this.counterTimer);
      this.counterTimer = undefined;
      this.publishCounter();
    }
  }

  private publishState(on: boolean): void {
    const payload = on ? this.pin.payload_on : this.pin.payload_off;
    this.publish(this.pc.base, payload, true);
    this.reading({ state: payload });
  }

  private startCounter(): void {
    this.countAtLastRate = this.count_;
    this.publish(`${this.pc.base}/count`, String(this.count_), true);
    this.counterTimer = setInterval(() => this.publishCounter(), this.counterIntervalMs);
    this.counterTimer.unref();
  }

  private publishCounter(): void {
    const perMinute = ((this.count_ - this.countAtLastRate) * 60000) / this.counterIntervalMs;
    this.countAtLastRate = this.count_;
    const rate = Math.round(perMinute * 1000) / 1000;
    this.publish(`${this.pc.base}/count`, String(this.count_), true);
    this.publish(`${this.pc.base}/rate`, String(rate), true);
    this.reading({ count: this.count_, rate });
  }

  private reading(values: Record<string, string | number>): void {
    const at = Date.now();
    this.lastReading = { at, values: { ...this.lastReading?.values, ...values } };
    this.pc.ctx.onReading?.({ kind: 'gpio', device: this.name, at, values });
  }

  private simulateFrom(driver: SimulatedDriver): void {
    this.unsubscribe = this.pc.ctx.bus.subscribe(`${this.pc.base}/simulate`, (m) => {
      const cmd = parseCommand(m.payload.toString(), { on: this.pin.payload_on, off: this.pin.payload_off });
      if ('error' in cmd) return this.log.warn(`simulate: ${cmd.error}`);
      const on = cmd.action === 'toggle' ? !this.input?.state : cmd.action === 'on';
      const level: Level = on !== this.pin.active_low ? 1 : 0;
      driver.setInput(this.pin.pin, level);
    });
  }
}
