/**
 * Stand-ins at the GPIO hardware seam, which cannot exist on a CI machine
 * (no GPIO chip, no /sys/class/gpio): a fake sysfs tree in a temporary
 * directory, an onoff-compatible `Gpio` class that exports lines in that
 * tree the way the kernel does (EINVAL for numbers no chip covers, a
 * `gpioN/` directory with value/direction/edge files), and a
 * node-libgpiod-compatible module over an in-memory chip.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LibgpiodChip, LibgpiodLine, LibgpiodModule } from '../../src/adapters/gpio/chardev-driver.js';
import type { Level } from '../../src/adapters/gpio/driver.js';
import type { OnoffGpio, OnoffGpioClass } from '../../src/adapters/gpio/onoff-driver.js';

export interface FakeChip {
  label: string;
  base: number;
  ngpio: number;
}

/** A Pi 4 on kernel 6.6+: the header chip at base 512, the firmware expander after it. */
export const PI4_CHIPS: FakeChip[] = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

/** A Pi 5 on kernel 6.6+: RP1 (the header) at 571, SoC chips below it. */
export const PI5_CHIPS: FakeChip[] = [
  { label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  { label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 4 },
  { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];

/** Creates `<tmp>/class/gpio` with export, unexport and one gpiochip<base>/ per chip. */
export function makeSysfsTree(chips: FakeChip[]): { root: string; cleanup(): void } {
  const top = mkdtempSync(join(tmpdir(), 'midge-sysfs-'));
  const root = join(top, 'class', 'gpio');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  for (const c of chips) {
    const dir = join(root, `gpiochip${c.base}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'label'), `${c.label}\n`);
    writeFileSync(join(dir, 'base'), `${c.base}\n`);
    writeFileSync(join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return { root, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** An onoff `Gpio` class working on the fake tree at `root`; `trigger` plays the kernel raising an edge. */
export function fakeOnoff(root: string, chips: FakeChip[]) {
  const watchers = new Map<number, Array<(err: Error | null | undefined, value: Level) => void>>();
  class FakeGpio implements OnoffGpio {
    private readonly dir: string;
    constructor(
      readonly gpio: number,
      direction: 'in' | 'out' | 'high' | 'low',
      edge: string = 'none',
    ) {
      if (!chips.some((c) => gpio >= c.base && gpio < c.base + c.ngpio)) throw errno('EINVAL', `write ${join(root, 'export')}`);
      this.dir = join(root, `gpio${gpio}`);
      if (!existsSync(this.dir)) {
        appendFileSync(join(root, 'export'), `${gpio}\n`);
        mkdirSync(this.dir);
      }
      writeFileSync(join(this.dir, 'direction'), direction === 'in' ? 'in' : 'out');
      writeFileSync(join(this.dir, 'edge'), edge);
      writeFileSync(join(this.dir, 'value'), direction === 'high' ? '1' : '0');
    }
    readSync(): Level {
      return readFileSync(join(this.dir, 'value'), 'utf8').trim() === '1' ? 1 : 0;
    }
    writeSync(value: Level): void {
      writeFileSync(join(this.dir, 'value'), String(value));
    }
    watch(cb: (err: Error | null | undefined, value: Level) => void): void {
      watchers.set(this.gpio, [...(watchers.get(this.gpio) ?? []), cb]);
    }
    unwatchAll(): void {
      watchers.delete(this.gpio);
    }
    unexport(): void {
      appendFileSync(join(root, 'unexport'), `${this.gpio}\n`);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
  return {
    Gpio: FakeGpio as OnoffGpioClass,
    /** The kernel sees the line at `level`: value file updated, watchers called. */
    trigger(gpio: number, level: Level): void {
      writeFileSync(join(root, `gpio${gpio}`, 'value'), String(level));
      for (const cb of watchers.get(gpio) ?? []) cb(null, level);
    },
    valueOf(gpio: number): string | undefined {
      const file = join(root, `gpio${gpio}`, 'value');
      return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    },
    exported: (gpio: number): boolean => existsSync(join(root, `gpio${gpio}`)),
  };
}

/** A node-libgpiod module over in-memory chips; `levels` are the physical line levels. */
export function fakeLibgpiod(chips: Array<{ name: string; label: string; lines: number }>) {
  const levels = new Map<string, Level>();
  const requested = new Map<string, { flags: number; output: boolean }>();
  const key = (chip: LibgpiodChip, offset: number): string => `${chip.label}:${offset}`;
  class Chip implements LibgpiodChip {
    readonly label: string;
    readonly numberOfLines: number;
    constructor(name: string) {
      const c = chips.find((x) => x.name === name);
      if (!c) throw errno('ENOENT', name);
      this.label = c.label;
      this.numberOfLines = c.lines;
    }
  }
  class Line implements LibgpiodLine {
    static RequestFlags = { BIAS_DISABLE: 8, BIAS_PULL_DOWN: 16, BIAS_PULL_UP: 32 };
    constructor(
      private readonly chip: LibgpiodChip,
      private readonly offset: number,
    ) {}
    private get k(): string {
      return key(this.chip, this.offset);
    }
    getValue(): Level {
      if (!requested.has(this.k)) throw errno('EPERM', 'line not requested');
      return levels.get(this.k) ?? 0;
    }
    setValue(v: Level): void {
      if (!requested.get(this.k)?.output) throw errno('EPERM', 'not an output');
      levels.set(this.k, v);
    }
    requestInputModeFlags(_consumer: string, flags: number): void {
      if (requested.has(this.k)) throw errno('EBUSY', 'line busy');
      requested.set(this.k, { flags, output: false });
    }
    requestOutputMode(_consumer: string, v: Level): void {
      if (requested.has(this.k)) throw errno('EBUSY', 'line busy');
      requested.set(this.k, { flags: 0, output: true });
      levels.set(this.k, v);
    }
    release(): void {
      requested.delete(this.k);
    }
  }
  const lib: LibgpiodModule = { getChipNames: () => chips.map((c) => c.name), Chip, Line };
  return {
    lib,
    set: (label: string, offset: number, v: Level) => levels.set(`${label}:${offset}`, v),
    level: (label: string, offset: number) => levels.get(`${label}:${offset}`) ?? 0,
    flags: (label: string, offset: number) => requested.get(`${label}:${offset}`)?.flags,
    requested: (label: string, offset: number) => requested.has(`${label}:${offset}`),
  };
}
