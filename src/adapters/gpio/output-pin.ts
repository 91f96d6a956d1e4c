/**
 * A GPIO output driven from `<prefix>/gpio/<name>/set`. The logical state
 * is echoed retained on `<prefix>/gpio/<name>` after every write; `pulse_ms`
 * (config or per command) turns an ON back OFF; on stop the line is left
 * at `safe_state`. Rejected commands are counted and logged, never thrown.
 */
import type { StoredMessage } from '../../persistence/types.js';
import { parseCommand } from './commands.js';
import type { GpioDriver, GpioOutputLine, Level } from './driver.js';
import { PinAdapter } from './pin-adapter.js';

export class OutputPin extends PinAdapter {
  private line: GpioOutputLine | undefined;
  private on = false;
  private pulseTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  protected open(driver: GpioDriver): void {
    const on = this.pin.initial === 'on';
    this.line = driver.openOutput(this.pin.pin, this.level(on));
    this.on = on;
    this.echo();
    this.unsubscribe = this.pc.ctx.bus.subscribe(`${this.pc.base}/set`, (m) => this.command(m));
  }

  protected close(stopping: boolean): void {
    clearTimeout(this.pulseTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const line = this.line;
    this.line = undefined;
    if (!line) return;
    if (stopping && this.pin.safe_state !== 'keep') {
      try {
        line.write(this.level(this.pin.safe_state === 'on'));
        this.on = this.pin.safe_state === 'on';
        this.echo();
      } catch (err) {
        this.log.error({ err }, `could not set safe state ${this.pin.safe_state}`);
      }
    }
    line.close();
  }

  private command(message: StoredMessage): void {
    const cmd = parseCommand(message.payload.toString(), { on: this.pin.payload_on, off: this.pin.payload_off });
    if ('error' in cmd) {
      this.count('commands_rejected');
      this.log.warn(`${this.pc.base}/set: ${cmd.error}`);
      return;
    }
    this.count('commands');
    clearTimeout(this.pulseTimer);
    const target = cmd.action === 'toggle' ? !this.on : cmd.action === 'on';
    if (!this.set(target)) return;
    const pulseMs = cmd.pulseMs ?? this.pin.pulse_ms;
    if (target && pulseMs > 0) {
      this.pulseTimer = setTimeout(() => this.set(false), pulseMs);
    }
  }

  private set(on: boolean): boolean {
    if (!this.line) return false;
    try {
      this.line.write(this.level(on));
    } catch (err) {
      this.count('write_errors');
      this.fault(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    this.on = on;
    this.echo();
    return true;
  }

  private echo(): void {
    const payload = this.on ? this.pin.payload_on : this.pin.payload_off;
    this.publish(this.pc.base, payload, true);
    const at = Date.now();
    this.lastReading = { at, values: { state: payload } };
    this.pc.ctx.onReading?.({ kind: 'gpio', device: this.name, at, values: { state: payload } });
  }

  private level(on: boolean): Level {
    return on !== this.pin.active_low ? 1 : 0;
  }
}
