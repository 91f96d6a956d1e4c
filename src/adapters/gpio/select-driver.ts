/**
 * Picks and opens the GPIO driver. `auto` goes by what the kernel offers:
 * the character device (/dev/gpiochip*, the current interface; Debian 13
 * kernels drop sysfs GPIO) when node-libgpiod loads, else sysfs
 * (/sys/class/gpio) through onoff. A configured driver is used as is.
 * Every path and loader is injectable, so tests run without hardware.
 */
import { readdirSync } from 'node:fs';
import { DeviceError } from '../../errors.js';
import type { GpioConfig } from '../../config/types.js';
import { createChardevDriver, loadLibgpiod } from './chardev-driver.js';
import type { LibgpiodModule } from './chardev-driver.js';
import type { DriverName, GpioDriver } from './driver.js';
import { createOnoffDriver, loadOnoff } from './onoff-driver.js';
import type { OnoffGpioClass } from './onoff-driver.js';
import { SimulatedDriver } from './simulated-driver.js';
import { hasSysfsGpio, SYSFS_GPIO_ROOT } from './sysfs-chips.js';

export interface DriverEnvironment {
  /** Where gpiochip character devices live; `/dev`. */
  devDir: string;
  sysfsRoot: string;
  loadOnoff: () => Promise<OnoffGpioClass | string>;
  loadLibgpiod: () => Promise<LibgpiodModule | string>;
  /** The chip used by `driver: simulated` (tests pass their own to drive inputs). */
  simulated: SimulatedDriver;
}

export function defaultEnvironment(overrides: Partial<DriverEnvironment> = {}): DriverEnvironment {
  return {
    devDir: '/dev',
    sysfsRoot: SYSFS_GPIO_ROOT,
    loadOnoff,
    loadLibgpiod,
    simulated: new SimulatedDriver(),
    ...overrides,
  };
}

/** The drivers to try, in order, for what the kernel offers. Pure. */
export function driverOrder(wanted: GpioConfig['driver'], offers: { chardev: boolean; sysfs: boolean }): DriverName[] {
  if (wanted !== 'auto') return [wanted];
  const order: DriverName[] = [];
  if (offers.chardev) order.push('chardev');
  if (offers.sysfs) order.push('onoff');
  return order;
}

export function hasChardevGpio(devDir: string): boolean {
  try {
    return readdirSync(devDir).some((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return false;
  }
}

/** Opens the first driver that works; a DeviceError lists why each one did not. */
export async function openDriver(config: GpioConfig, env: DriverEnvironment): Promise<GpioDriver> {
  const offers = { chardev: hasChardevGpio(env.devDir), sysfs: hasSysfsGpio(env.sysfsRoot) };
  const order = driverOrder(config.driver, offers);
  if (order.length === 0) {
    throw new DeviceError(`no GPIO on this system: no ${env.devDir}/gpiochip* and no ${env.sysfsRoot} (set gpio.driver: simulated to develop without hardware)`);
  }
  const reasons: string[] = [];
  for (const name of order) {
    try {
      return await open(name, config, env);
    } catch (err) {
      reasons.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new DeviceError(`no usable GPIO driver (${reasons.join('; ')})`);
}

async function open(name: DriverName, config: GpioConfig, env: DriverEnvironment): Promise<GpioDriver> {
  switch (name) {
    case 'simulated':
      return env.simulated;
    case 'chardev': {
      const lib = await env.loadLibgpiod();
      if (typeof lib === 'string') throw new DeviceError(lib);
      return createChardevDriver({ lib, chip: config.chip, pollMs: config.poll_ms });
    }
    case 'onoff': {
      const Gpio = await env.loadOnoff();
      if (typeof Gpio === 'string') throw new DeviceError(Gpio);
      return createOnoffDriver({ Gpio, sysfsRoot: env.sysfsRoot, chip: config.chip, sysfsBase: config.sysfs_base });
    }
  }
}
