/**
 * One contract every GPIO driver passes: outputs start at their initial
 * level and read back what was written, inputs read and report level
 * changes, a line cannot be claimed twice until closed, and a line beyond
 * the chip is refused with a DeviceError. Run against the simulated
 * driver, the onoff driver over a fake sysfs tree (Pi 4, base 512) and the
 * chardev driver over a fake libgpiod chip.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createChardevDriver } from '../../src/adapters/gpio/chardev-driver.js';
import type { GpioDriver, Level } from '../../src/adapters/gpio/driver.js';
import { createOnoffDriver } from '../../src/adapters/gpio/onoff-driver.js';
import { SimulatedDriver } from '../../src/adapters/gpio/simulated-driver.js';
import { DeviceError } from '../../src/errors.js';
import { fakeLibgpiod, fakeOnoff, makeSysfsTree, PI4_CHIPS } from '../helpers/fake-gpio.js';
import { waitFor } from '../helpers/wait.js';

interface Harness {
  driver: GpioDriver;
  /** Drive input `line` to `level` as the hardware would. */
  drive(line: number, level: Level): void;
  /** Physical level of output `line` as the hardware sees it. */
  observe(line: number): Level;
  lines: number;
}

const harnesses: Record<string, () => Harness> = {
  simulated: () => {
    const sim = new SimulatedDriver(54);
    return { driver: sim, drive: (l, v) => sim.setInput(l, v), observe: (l) => sim.level(l), lines: 54 };
  },
  'onoff (fake sysfs, Pi 4 kernel 6.6 numbering)': () => {
    const tree = makeSysfsTree(PI4_CHIPS);
    after(() => tree.cleanup());
    const fake = fakeOnoff(tree.root, PI4_CHIPS);
    const driver = createOnoffDriver({ Gpio: fake.Gpio, sysfsRoot: tree.root });
    return { driver, drive: (l, v) => fake.trigger(512 + l, v), observe: (l) => (fake.valueOf(512 + l) === '1' ? 1 : 0), lines: 58 };
  },
  'chardev (fake libgpiod)': () => {
    const fake = fakeLibgpiod([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 }]);
    const driver = createChardevDriver({ lib: fake.lib, pollMs: 2 });
    return { driver, drive: (l, v) => fake.set('pinctrl-bcm2711', l, v), observe: (l) => fake.level('pinctrl-bcm2711', l), lines: 58 };
  },
};

for (const [name, make] of Object.entries(harnesses)) {
  describe(`GPIO driver contract: ${name}`, () => {
    it('an output starts at its initial level and reads back what was written', () => {
      const h = make();
      const out = h.driver.openOutput(17, 1);
      assert.equal(h.observe(17), 1);
      out.write(0);
      assert.equal(h.observe(17), 0);
      assert.equal(out.read(), 0);
      out.write(1);
      assert.equal(out.read(), 1);
      h.driver.close();
    });

    it('an input reads its level and reports changes to its watcher', async () => {
      const h = make();
      const input = h.driver.openInput(4, 'as-is');
      assert.equal(input.read(), 0);
      const seen: Level[] = [];
      input.watch((v) => seen.push(v), (err) => assert.fail(err));
      h.drive(4, 1);
      await waitFor(() => seen.length === 1, 2000, 'rising level');
      assert.equal(input.read(), 1);
      h.drive(4, 0);
      await waitFor(() => seen.length === 2, 2000, 'falling level');
      assert.deepEqual(seen, [1, 0]);
      h.driver.close();
    });

    it('a line is claimed once; after close it can be claimed again', () => {
      const h = make();
      const line = h.driver.openOutput(22, 0);
      assert.throws(() => h.driver.openInput(22, 'as-is'), DeviceError);
      line.close();
      const again = h.driver.openInput(22, 'as-is');
      again.close();
      h.driver.close();
    });

    it('refuses a line beyond the chip with a DeviceError naming it', () => {
      const h = make();
      assert.throws(() => h.driver.openInput(h.lines + 1, 'as-is'), (err: unknown) => err instanceof DeviceError && err.message.includes(String(h.lines + 1)));
      h.driver.close();
    });
  });
}
