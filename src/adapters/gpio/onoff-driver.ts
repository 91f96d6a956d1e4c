/**
 * The sysfs driver, on the `onoff` package (optional dependency). onoff
 * takes sysfs numbers, so line N of the chip becomes `base + N`, with the
 * base read from `<sysfsRoot>/gpiochip*` (or `gpio.sysfs_base`). Edges are
 * interrupt-driven (epoll); debounce and active-low are applied above the
 * driver, so onoff's own options stay off. No pull resistors (onoff cannot).
 */
import { DeviceError } from '../../errors.js';
import { importOptional } from '../../optional-import.js';
import { chooseChip, sysfsNumber } from './chip-select.js';
import type { ChipInfo } from './chip-select.js';
import { gpioError } from './device-errors.js';
import type { GpioDriver, GpioInputLine, GpioOutputLine, Level } from './driver.js';
import { readSysfsChips, SYSFS_GPIO_ROOT } from './sysfs-chips.js';

/** The part of onoff's `Gpio` this driver uses. */
export interface OnoffGpio {
  readSync(): Level;
  writeSync(value: Level): void;
  watch(callback: (err: Error | null | undefined, value: Level) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export type OnoffGpioClass = new (
  gpio: number,
  direction: 'in' | 'out' | 'high' | 'low',
  edge?: 'none' | 'rising' | 'falling' | 'both',
  options?: { activeLow?: boolean; reconfigureDirection?: boolean },
) => OnoffGpio;

export interface OnoffDriverOptions {
  Gpio: OnoffGpioClass;
  /** `/sys/class/gpio`; a fake tree in tests. */
  sysfsRoot?: string;
  chip?: string;
  /** -1 = read the base from sysfs. */
  sysfsBase?: number;
}

/** Loads onoff, or says why it cannot be used. */
export async function loadOnoff(): Promise<OnoffGpioClass | string> {
  try {
    const mod = (await importOptional('onoff')) as { Gpio?: OnoffGpioClass; default?: { Gpio?: OnoffGpioClass } };
    const Gpio = mod.Gpio ?? mod.default?.Gpio;
    return Gpio ?? 'the onoff module has no Gpio export';
  } catch (err) {
    return `the onoff package (optional dependency) is not installed or did not build: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Throws a DeviceError when the configured chip is not in sysfs. */
export function createOnoffDriver(options: OnoffDriverOptions): GpioDriver {
  const root = options.sysfsRoot ?? SYSFS_GPIO_ROOT;
  const choice = chooseChip(readSysfsChips(root), options.chip ?? 'auto');
  if ('error' in choice) throw new DeviceError(`sysfs GPIO (${root}): ${choice.error}`);
  return new OnoffDriver(options.Gpio, choice.chip, options.sysfsBase ?? -1);
}

class OnoffDriver implements GpioDriver {
  readonly name = 'onoff';
  readonly supportsBias = false;
  readonly description: string;
  private readonly open = new Map<OnoffGpio, number>();

  constructor(
    private readonly Gpio: OnoffGpioClass,
    private readonly chip: ChipInfo,
    private readonly baseOverride: number,
  ) {
    const base = baseOverride >= 0 ? baseOverride : chip.base;
    this.description = `sysfs ${chip.name} (${chip.label}), base ${base}`;
  }

  openInput(line: number): GpioInputLine {
    const gpio = this.claim(line, 'in');
    let watching = false;
    return {
      line,
      read: () => this.read(gpio, line),
      watch: (onChange, onError) => {
        if (watching) return;
        watching = true;
        gpio.watch((err, value) => (err ? onError(gpioError(`GPIO ${line} edge`, err)) : onChange(value)));
      },
      close: () => this.release(gpio),
    };
  }

  openOutput(line: number, initial: Level): GpioOutputLine {
    const gpio = this.claim(line, initial === 1 ? 'high' : 'low');
    return {
      line,
      read: () => this.read(gpio, line),
      write: (level) => {
        try {
          gpio.writeSync(level);
        } catch (err) {
          throw gpioError(`GPIO ${line} write`, err);
        }
      },
      close: () => this.release(gpio),
    };
  }

  close(): void {
    for (const gpio of [...this.open.keys()]) this.release(gpio);
  }

  private claim(line: number, direction: 'in' | 'high' | 'low'): OnoffGpio {
    if ([...this.open.values()].includes(line)) throw new DeviceError(`GPIO ${line}: already open`);
    const n = sysfsNumber(this.chip, line, this.baseOverride);
    if (typeof n === 'string') throw new DeviceError(`GPIO ${line}: ${n}`);
    try {
      const gpio = direction === 'in' ? new this.Gpio(n, 'in', 'both', { reconfigureDirection: true }) : new this.Gpio(n, direction);
      this.open.set(gpio, line);
      return gpio;
    } catch (err) {
      throw gpioError(`GPIO ${line} (sysfs ${n})`, err, {
        EINVAL: `sysfs refused number ${n} (line ${line} + base ${n - line}): check gpio.chip and gpio.sysfs_base, or use driver: chardev`,
      });
    }
  }

  private read(gpio: OnoffGpio, line: number): Level {
    try {
      return gpio.readSync();
    } catch (err) {
      throw gpioError(`GPIO ${line} read`, err);
    }
  }

  private release(gpio: OnoffGpio): void {
    if (!this.open.delete(gpio)) return;
    try {
      gpio.unwatchAll();
      gpio.unexport();
    } catch {
      // already gone (unplugged, unexported by someone else): nothing left to release
    }
  }
}
