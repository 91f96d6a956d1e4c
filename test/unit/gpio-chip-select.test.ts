/**
 * Chip choice and the sysfs base offset (kernel 6.6+ numbers lines from a
 * dynamic base: 512 on a Pi 4, 571 on a Pi 5), from plain data and from a
 * fake /sys/class/gpio tree in a temporary directory.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseChip, sysfsNumber } from '../../src/adapters/gpio/chip-select.js';
import type { ChipInfo } from '../../src/adapters/gpio/chip-select.js';
import { hasSysfsGpio, readSysfsChips } from '../../src/adapters/gpio/sysfs-chips.js';
import { driverOrder } from '../../src/adapters/gpio/select-driver.js';
import { makeSysfsTree, PI4_CHIPS, PI5_CHIPS } from '../helpers/fake-gpio.js';

const sysfs = (chips: typeof PI4_CHIPS): ChipInfo[] => chips.map((c) => ({ name: `gpiochip${c.base}`, label: c.label, base: c.base, lines: c.ngpio }));

function chosen(chips: ChipInfo[], want: string): ChipInfo {
  const c = chooseChip(chips, want);
  assert.ok('chip' in c, 'error' in c ? c.error : '');
  return c.chip;
}

describe('chooseChip and sysfsNumber', () => {
  const cases: Array<[string, ChipInfo[], number]> = [
    ['Pi 4, kernel 6.6+', sysfs(PI4_CHIPS), 529],
    ['Pi 5, kernel 6.6+ (RP1 after the SoC chips)', sysfs(PI5_CHIPS), 588],
    ['Pi 5, kernel 6.1 (RP1 at 399)', sysfs([{ label: 'pinctrl-rp1', base: 399, ngpio: 54 }]), 416],
    ['Pi 3 / Zero 2 W, kernel 6.1 (base 0)', sysfs([{ label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }]), 17],
  ];
  for (const [what, chips, expected] of cases) {
    it(`BCM 17 on ${what} is sysfs ${expected}`, () => {
      assert.equal(sysfsNumber(chosen(chips, 'auto'), 17), expected);
    });
  }

  it('a configured base overrides the detected one', () => {
    assert.equal(sysfsNumber(chosen(sysfs(PI4_CHIPS), 'auto'), 17, 522), 539);
  });

  it('refuses a line beyond the chip', () => {
    assert.match(String(sysfsNumber(chosen(sysfs(PI4_CHIPS), 'auto'), 60)), /line 60 is beyond gpiochip512 \(pinctrl-bcm2711\), which has 58 lines/);
  });

  it('finds a chip by name, /dev path or label, and lists the chips when none matches', () => {
    const chardev: ChipInfo[] = [{ name: 'gpiochip0', label: 'gpio-brcmstb@107d508500', lines: 32 }, { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 }];
    assert.equal(chosen(chardev, 'auto').name, 'gpiochip4');
    assert.equal(chosen(chardev, 'gpiochip0').name, 'gpiochip0');
    assert.equal(chosen(chardev, '/dev/gpiochip4').name, 'gpiochip4');
    assert.equal(chosen(chardev, 'pinctrl-rp1').name, 'gpiochip4');
    const miss = chooseChip(chardev, 'gpiochip9');
    assert.ok('error' in miss);
    assert.match(miss.error, /no GPIO chip named or labelled 'gpiochip9'; found: gpiochip0 \(gpio-brcmstb@107d508500\), gpiochip4 \(pinctrl-rp1\)/);
    assert.deepEqual(chooseChip([], 'auto'), { error: 'no GPIO chip found' });
  });

  it('auto on a board that is not a Pi takes the first chip', () => {
    const router: ChipInfo[] = [{ name: 'gpiochip1', label: 'mt7981-pinctrl', lines: 57 }, { name: 'gpiochip0', label: 'pca9555', lines: 16 }];
    assert.equal(chosen(router, 'auto').name, 'gpiochip0');
  });
});

describe('readSysfsChips (fake tree)', () => {
  it('reads label, base and ngpio of every chip, sorted by base', () => {
    const tree = makeSysfsTree([...PI5_CHIPS].reverse());
    try {
      assert.equal(hasSysfsGpio(tree.root), true);
      const chips = readSysfsChips(tree.root);
      assert.deepEqual(chips.map((c) => [c.name, c.label, c.base, c.lines]), [
        ['gpiochip512', 'gpio-brcmstb@107d508500', 512, 32],
        ['gpiochip544', 'gpio-brcmstb@107d508520', 544, 4],
        ['gpiochip571', 'pinctrl-rp1', 571, 54],
      ]);
      assert.equal(sysfsNumber(chosen(chips, 'auto'), 17), 588);
    } finally {
      tree.cleanup();
    }
  });

  it('a missing tree means no sysfs GPIO', () => {
    assert.deepEqual(readSysfsChips('/nonexistent/class/gpio'), []);
    assert.equal(hasSysfsGpio('/nonexistent/class/gpio'), false);
  });
});

describe('driverOrder', () => {
  it('auto prefers chardev, falls back to onoff, and is empty without GPIO', () => {
    assert.deepEqual(driverOrder('auto', { chardev: true, sysfs: true }), ['chardev', 'onoff']);
    assert.deepEqual(driverOrder('auto', { chardev: false, sysfs: true }), ['onoff']);
    assert.deepEqual(driverOrder('auto', { chardev: false, sysfs: false }), []);
    assert.deepEqual(driverOrder('onoff', { chardev: true, sysfs: false }), ['onoff']);
    assert.deepEqual(driverOrder('simulated', { chardev: false, sysfs: false }), ['simulated']);
  });
});
