/**
 * Reads the chips the sysfs GPIO interface offers:
 * `<root>/gpiochip<N>/{label,base,ngpio}`. The root is injected so tests
 * point it at a fake tree in a temporary directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChipInfo } from './chip-select.js';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** True when the kernel offers the sysfs interface (an `export` file). */
export function hasSysfsGpio(root: string = SYSFS_GPIO_ROOT): boolean {
  return existsSync(join(root, 'export'));
}

/** Chips under `root`; unreadable entries are skipped. Empty when there is no sysfs GPIO. */
export function readSysfsChips(root: string = SYSFS_GPIO_ROOT): ChipInfo[] {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith('gpiochip'));
  } catch {
    return [];
  }
  const chips: ChipInfo[] = [];
  for (const name of names) {
    const read = (file: string): string => readFileSync(join(root, name, file), 'utf8').trim();
    try {
      const base = Number(read('base'));
      const lines = Number(read('ngpio'));
      if (!Number.isInteger(base) || !Number.isInteger(lines)) continue;
      chips.push({ name, label: read('label'), base, lines });
    } catch {
      // a chip directory without readable files: not usable
    }
  }
  return chips.sort((a, b) => (a.base ?? 0) - (b.base ?? 0));
}
