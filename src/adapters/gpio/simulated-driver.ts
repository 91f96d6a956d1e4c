/**
 * A GPIO chip in memory, for development and tests: inputs are driven with
 * `setInput` (the GPIO adapter maps `<prefix>/gpio/<name>/simulate` to it),
 * outputs are observed with `level`. It behaves like a real chip where the
 * adapter can tell: a line can be claimed once, reads of a line made to
 * fail (`fail`) throw, and unclaimed inputs float at `idle`.
 */
import { DeviceError } from '../../errors.js';
import type { GpioDriver, GpioInputLine, GpioOutputLine, Level } from './driver.js';

interface SimLine {
  direction: 'in' | 'out';
  onChange?: (level: Level) => void;
  onError?: (err: Error) => void;
}

export class SimulatedDriver implements GpioDriver {
  readonly name = 'simulated';
  readonly supportsBias = true;
  readonly description: string;
  private readonly levels = new Map<number, Level>();
  private readonly claimed = new Map<number, SimLine>();
  private readonly failing = new Map<number, Error>();

  constructor(
    private readonly lineCount = 54,
    private readonly idle: Level = 0,
  ) {
    this.description = `simulated chip (${lineCount} lines)`;
  }

  openInput(line: number): GpioInputLine {
    const sim = this.claim(line, 'in');
    return {
      line,
      read: () => this.read(line),
      watch: (onChange, onError) => {
        sim.onChange = onChange;
        sim.onError = onError;
      },
      close: () => this.claimed.delete(line),
    };
  }

  openOutput(line: number, initial: Level): GpioOutputLine {
    this.claim(line, 'out');
    this.levels.set(line, initial);
    return {
      line,
      read: () => this.read(line),
      write: (level) => {
        this.throwIfFailing(line);
        this.levels.set(line, level);
      },
      close: () => this.claimed.delete(line),
    };
  }

  close(): void {
    this.claimed.clear();
  }

  /** Drives an input to `level` (physical); watchers see it if it changed. */
  setInput(line: number, level: Level): void {
    const before = this.levels.get(line) ?? this.idle;
    this.levels.set(line, level);
    const sim = this.claimed.get(line);
    if (sim?.direction === 'in' && level !== before) sim.onChange?.(level);
  }

  /** Physical level of a line (outputs: what was written). */
  level(line: number): Level {
    return this.levels.get(line) ?? this.idle;
  }

  isClaimed(line: number): boolean {
    return this.claimed.has(line);
  }

  /** Makes reads and writes of `line` throw (a line taken away); `undefined` heals it. */
  fail(line: number, err: Error | undefined): void {
    if (err === undefined) {
      this.failing.delete(line);
      return;
    }
    this.failing.set(line, err);
    this.claimed.get(line)?.onError?.(err);
  }

  private claim(line: number, direction: 'in' | 'out'): SimLine {
    if (line < 0 || line >= this.lineCount) throw new DeviceError(`GPIO ${line}: ${this.description} has no such line`);
    if (this.claimed.has(line)) throw new DeviceError(`GPIO ${line}: the line is in use (EBUSY)`);
    this.throwIfFailing(line);
    const sim: SimLine = { direction };
    this.claimed.set(line, sim);
    return sim;
  }

  private read(line: number): Level {
    this.throwIfFailing(line);
    return this.level(line);
  }

  private throwIfFailing(line: number): void {
    const err = this.failing.get(line);
    if (err) throw new DeviceError(`GPIO ${line}: ${err.message}`, { cause: err });
  }
}
