/**
 * Which GPIO chip carries the configured lines, for both kernel interfaces.
 * Pure: the chip lists come from `readSysfsChips` (sysfs) or libgpiod
 * (chardev), so the choice and the Raspberry Pi base-offset logic are
 * tested with plain data.
 *
 * Since kernel 6.6 the sysfs numbers of a chip start at a dynamic base
 * (512 on a Pi 4, 571 on a Pi 5; 0 on older kernels), so BCM 17 is sysfs
 * 529 on a Pi 4 and writing a bare 17 to `export` fails with EINVAL.
 */

/** Labels of the chip wired to the 40-pin header: Pi 5 (RP1), Pi 4/400/CM4, Pi 0-3 and Zero 2 W. */
export const PI_HEADER_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface ChipInfo {
  /** `gpiochip0` (chardev) or the sysfs directory name `gpiochip512`. */
  name: string;
  label: string;
  /** Number of lines. */
  lines: number;
  /** sysfs only: number of line 0 in /sys/class/gpio/export. */
  base?: number;
}

export type ChipChoice = { chip: ChipInfo } | { error: string };

/** `want` is `auto`, a chip name, a `/dev/` path or a label. */
export function chooseChip(chips: readonly ChipInfo[], want: string): ChipChoice {
  if (chips.length === 0) return { error: 'no GPIO chip found' };
  const listed = chips.map((c) => `${c.name} (${c.label})`).join(', ');
  if (want === 'auto') {
    for (const label of PI_HEADER_LABELS) {
      const chip = chips.find((c) => c.label === label);
      if (chip) return { chip };
    }
    const byOrder = [...chips].sort((a, b) => (a.base ?? chipIndex(a.name)) - (b.base ?? chipIndex(b.name)));
    return { chip: byOrder[0] };
  }
  const name = want.startsWith('/dev/') ? want.slice(5) : want;
  const chip = chips.find((c) => c.name === name) ?? chips.find((c) => c.label === want);
  return chip ? { chip } : { error: `no GPIO chip named or labelled '${want}'; found: ${listed}` };
}

/** The sysfs number of `line`, or the reason it cannot be used. */
export function sysfsNumber(chip: ChipInfo, line: number, baseOverride = -1): number | string {
  if (line >= chip.lines) return `line ${line} is beyond ${chip.name} (${chip.label}), which has ${chip.lines} lines`;
  const base = baseOverride >= 0 ? baseOverride : chip.base;
  if (base === undefined) return `${chip.name} has no sysfs base`;
  return base + line;
}

function chipIndex(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
