/**
 * Driver specifics beyond the shared contract: onoff's sysfs numbering and
 * unexport, what the kernel's EINVAL turns into, chardev bias flags and
 * polling, the real optional modules (onoff, node-libgpiod) loading on
 * this machine, and driver selection here, where the kernel has no GPIO.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { biasFlags, createChardevDriver, listChardevChips, loadLibgpiod } from '../../src/adapters/gpio/chardev-driver.js';
import { LinePoller } from '../../src/adapters/gpio/line-poller.js';
import { createOnoffDriver, loadOnoff } from '../../src/adapters/gpio/onoff-driver.js';
import { defaultEnvironment, openDriver } from '../../src/adapters/gpio/select-driver.js';
import type { Level } from '../../src/adapters/gpio/driver.js';
import { validateConfig } from '../../src/config/validate.js';
import { DeviceError } from '../../src/errors.js';
import { fakeLibgpiod, fakeOnoff, makeSysfsTree, PI4_CHIPS, PI5_CHIPS } from '../helpers/fake-gpio.js';

describe('onoff driver (fake sysfs tree)', () => {
  it('exports base + BCM on a Pi 5 and unexports on close', () => {
    const tree = makeSysfsTree(PI5_CHIPS);
    try {
      const fake = fakeOnoff(tree.root, PI5_CHIPS);
      const driver = createOnoffDriver({ Gpio: fake.Gpio, sysfsRoot: tree.root });
      assert.equal(driver.description, 'sysfs gpiochip571 (pinctrl-rp1), base 571');
      assert.equal(driver.supportsBias, false);
      const line = driver.openInput(17, 'as-is');
      assert.equal(fake.exported(588), true);
      assert.equal(readFileSync(join(tree.root, 'gpio588', 'edge'), 'utf8'), 'both', 'edges come from interrupts on both edges');
      line.close();
      assert.equal(fake.exported(588), false);
      assert.equal(readFileSync(join(tree.root, 'unexport'), 'utf8'), '588\n');
    } finally {
      tree.cleanup();
    }
  });

  it("turns the kernel's EINVAL for a wrong base into a hint", () => {
    const tree = makeSysfsTree(PI4_CHIPS);
    try {
      const fake = fakeOnoff(tree.root, PI4_CHIPS);
      const driver = createOnoffDriver({ Gpio: fake.Gpio, sysfsRoot: tree.root, sysfsBase: 0 });
      assert.throws(() => driver.openOutput(17, 0), (err: unknown) => err instanceof DeviceError && /sysfs refused number 17 \(line 17 \+ base 0\): check gpio.chip and gpio.sysfs_base/.test(err.message));
    } finally {
      tree.cleanup();
    }
  });

  it('names the chips it found when the configured chip is not there', () => {
    const tree = makeSysfsTree(PI4_CHIPS);
    try {
      const fake = fakeOnoff(tree.root, PI4_CHIPS);
      assert.throws(() => createOnoffDriver({ Gpio: fake.Gpio, sysfsRoot: tree.root, chip: 'pinctrl-rp1' }), /found: gpiochip512 \(pinctrl-bcm2711\), gpiochip570/);
    } finally {
      tree.cleanup();
    }
  });

  it('the real onoff package loads (its epoll addon built here)', async () => {
    const Gpio = await loadOnoff();
    assert.equal(typeof Gpio, 'function', typeof Gpio === 'string' ? Gpio : '');
  });
});

describe('chardev driver', () => {
  it('requests inputs with the bias flags of the config', () => {
    const fake = fakeLibgpiod([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 }]);
    const flags = fake.lib.Line.RequestFlags;
    assert.deepEqual(['as-is', 'pull-up', 'pull-down', 'disable'].map((b) => biasFlags(b as 'as-is', flags)), [0, flags.BIAS_PULL_UP, flags.BIAS_PULL_DOWN, flags.BIAS_DISABLE]);
    const driver = createChardevDriver({ lib: fake.lib });
    assert.equal(driver.description, '/dev/gpiochip0 (pinctrl-bcm2711)');
    driver.openInput(5, 'pull-up');
    assert.equal(fake.flags('pinctrl-bcm2711', 5), flags.BIAS_PULL_UP);
    driver.close();
    assert.equal(fake.requested('pinctrl-bcm2711', 5), false, 'close releases every line');
  });

  it('picks the RP1 chip on a Pi 5 whatever its number', () => {
    const fake = fakeLibgpiod([
      { name: 'gpiochip0', label: 'gpio-brcmstb@107d508500', lines: 32 },
      { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 },
    ]);
    assert.deepEqual(listChardevChips(fake.lib).map((c) => c.name), ['gpiochip0', 'gpiochip4']);
    assert.equal(createChardevDriver({ lib: fake.lib }).description, '/dev/gpiochip4 (pinctrl-rp1)');
  });

  it('the poller reports changes only, and stops polling a line whose read fails', () => {
    const poller = new LinePoller(1000);
    let level: Level = 0;
    let broken = false;
    const seen: Level[] = [];
    const errors: Error[] = [];
    poller.add(3, () => {
      if (broken) throw new Error('EIO');
      return level;
    }, (v) => seen.push(v), (e) => errors.push(e));
    poller.tick();
    level = 1;
    poller.tick();
    poller.tick();
    level = 0;
    poller.tick();
    assert.deepEqual(seen, [1, 0]);
    broken = true;
    poller.tick();
    poller.tick();
    assert.equal(errors.length, 1);
    poller.stop();
  });

  it('the real node-libgpiod loads (built against libgpiod 1.6) and finds no chip on this machine', async () => {
    const lib = await loadLibgpiod();
    assert.notEqual(typeof lib, 'string', typeof lib === 'string' ? lib : '');
    if (typeof lib === 'string') return;
    assert.deepEqual(lib.getChipNames(), []);
    assert.throws(() => createChardevDriver({ lib }), { message: 'GPIO character device: no GPIO chip found' });
  });
});

describe('openDriver', () => {
  it('auto on a machine without GPIO says so (no /dev/gpiochip*, no /sys/class/gpio)', async () => {
    const gpio = validateConfig({}).gpio;
    await assert.rejects(openDriver(gpio, defaultEnvironment({ devDir: '/nonexistent-dev', sysfsRoot: '/nonexistent/class/gpio' })), (err: unknown) =>
      err instanceof DeviceError && /no GPIO on this system: no \/nonexistent-dev\/gpiochip\* and no \/nonexistent\/class\/gpio/.test(err.message));
  });

  it('auto falls back to onoff when chardev cannot be used, and lists every reason when nothing works', async () => {
    const tree = makeSysfsTree(PI4_CHIPS);
    try {
      const gpio = validateConfig({}).gpio;
      const fake = fakeOnoff(tree.root, PI4_CHIPS);
      const env = defaultEnvironment({ devDir: tree.root, sysfsRoot: tree.root, loadOnoff: async () => fake.Gpio, loadLibgpiod: async () => 'node-libgpiod missing' });
      const driver = await openDriver(gpio, env);
      assert.equal(driver.name, 'onoff');
      const broken = { ...env, loadOnoff: async () => 'onoff missing' };
      await assert.rejects(openDriver(gpio, broken), { message: 'no usable GPIO driver (chardev: node-libgpiod missing; onoff: onoff missing)' });
    } finally {
      tree.cleanup();
    }
  });
});
