/**
 * The character-device driver (/dev/gpiochipN) on `node-libgpiod`
 * (optional dependency; native, needs libgpiod 1.x headers to build:
 * `apt-get install libgpiod-dev`). It can set pull resistors. node-libgpiod
 * 0.5 exposes no edge events, so inputs are polled every `gpio.poll_ms`
 * by one shared timer (`LinePoller`); debounce and active-low are applied
 * above the driver. Lines are requested with the consumer name `midge`
 * (shown by `gpioinfo`).
 */
import { DeviceError } from '../../errors.js';
import { importOptional } from '../../optional-import.js';
import { chooseChip } from './chip-select.js';
import type { ChipInfo } from './chip-select.js';
import { gpioError } from './device-errors.js';
import type { Bias, GpioDriver, GpioInputLine, GpioOutputLine, Level } from './driver.js';
import { LinePoller } from './line-poller.js';

const CONSUMER = 'midge';

/** The part of node-libgpiod this driver uses. */
export interface LibgpiodLine {
  getValue(): Level;
  setValue(value: Level): void;
  requestInputModeFlags(consumer: string, flags: number): void;
  requestOutputMode(consumer: string, defaultValue: Level): void;
  release(): void;
}

export interface LibgpiodChip {
  readonly label: string;
  readonly numberOfLines: number;
}

export interface LibgpiodModule {
  getChipNames(): string[];
  Chip: new (name: string) => LibgpiodChip;
  Line: (new (chip: LibgpiodChip, offset: number) => LibgpiodLine) & { RequestFlags: Record<'BIAS_DISABLE' | 'BIAS_PULL_DOWN' | 'BIAS_PULL_UP', number> };
}

/** Request flags for a bias: 0 for as-is (the kernel keeps what firmware set). */
export function biasFlags(bias: Bias, flags: LibgpiodModule['Line']['RequestFlags']): number {
  switch (bias) {
    case 'pull-up':
      return flags.BIAS_PULL_UP;
    case 'pull-down':
      return flags.BIAS_PULL_DOWN;
    case 'disable':
      return flags.BIAS_DISABLE;
    case 'as-is':
      return 0;
  }
}

export async function loadLibgpiod(): Promise<LibgpiodModule | string> {
  try {
    const mod = (await importOptional('node-libgpiod')) as unknown as LibgpiodModule & { default?: LibgpiodModule };
    return typeof mod.getChipNames === 'function' ? mod : (mod.default ?? 'node-libgpiod has no getChipNames export');
  } catch (err) {
    return `the node-libgpiod package (optional dependency) is not installed or did not build: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export interface ChardevDriverOptions {
  lib: LibgpiodModule;
  chip?: string;
  pollMs?: number;
}

/** Lists the chips libgpiod sees (name, label, lines); unopenable chips are skipped. */
export function listChardevChips(lib: LibgpiodModule): Array<ChipInfo & { handle: LibgpiodChip }> {
  const out: Array<ChipInfo & { handle: LibgpiodChip }> = [];
  for (const name of lib.getChipNames()) {
    try {
      const handle = new lib.Chip(name);
      out.push({ name, label: handle.label, lines: handle.numberOfLines, handle });
    } catch {
      // permission denied on one chip: others may still be usable
    }
  }
  return out;
}

/** Throws a DeviceError when no (matching) chip exists. */
export function createChardevDriver(options: ChardevDriverOptions): GpioDriver {
  const chips = listChardevChips(options.lib);
  const choice = chooseChip(chips, options.chip ?? 'auto');
  if ('error' in choice) throw new DeviceError(`GPIO character device: ${choice.error}`);
  const chip = chips.find((c) => c.name === choice.chip.name)!;
  return new ChardevDriver(options.lib, chip, new LinePoller(options.pollMs ?? 10));
}

class ChardevDriver implements GpioDriver {
  readonly name = 'chardev';
  readonly supportsBias = true;
  readonly description: string;
  private readonly open = new Map<number, LibgpiodLine>();

  constructor(
    private readonly lib: LibgpiodModule,
    private readonly chip: ChipInfo & { handle: LibgpiodChip },
    private readonly poller: LinePoller,
  ) {
    this.description = `/dev/${chip.name} (${chip.label})`;
  }

  openInput(line: number, bias: Bias): GpioInputLine {
    const l = this.claim(line, (gl) => gl.requestInputModeFlags(CONSUMER, biasFlags(bias, this.lib.Line.RequestFlags)));
    const read = (): Level => this.read(l, line);
    return {
      line,
      read,
      watch: (onChange, onError) => this.poller.add(line, read, onChange, onError),
      close: () => this.release(line),
    };
  }

  openOutput(line: number, initial: Level): GpioOutputLine {
    const l = this.claim(line, (gl) => gl.requestOutputMode(CONSUMER, initial));
    return {
      line,
      read: () => this.read(l, line),
      write: (level) => {
        try {
          l.setValue(level);
        } catch (err) {
          throw gpioError(`GPIO ${line} write`, err);
        }
      },
      close: () => this.release(line),
    };
  }

  close(): void {
    for (const line of [...this.open.keys()]) this.release(line);
    this.poller.stop();
  }

  private claim(line: number, request: (l: LibgpiodLine) => void): LibgpiodLine {
    if (this.open.has(line)) throw new DeviceError(`GPIO ${line}: already open`);
    if (line >= this.chip.lines) throw new DeviceError(`GPIO ${line}: ${this.description} has only ${this.chip.lines} lines`);
    try {
      const l = new this.lib.Line(this.chip.handle, line);
      request(l);
      this.open.set(line, l);
      return l;
    } catch (err) {
      throw gpioError(`GPIO ${line} on ${this.description}`, err);
    }
  }

  private read(l: LibgpiodLine, line: number): Level {
    try {
      return l.getValue() === 1 ? 1 : 0;
    } catch (err) {
      throw gpioError(`GPIO ${line} read`, err);
    }
  }

  private release(line: number): void {
    const l = this.open.get(line);
    if (!l) return;
    this.open.delete(line);
    this.poller.remove(line);
    try {
      l.release();
    } catch {
      // the chip went away: nothing left to release
    }
  }
}
