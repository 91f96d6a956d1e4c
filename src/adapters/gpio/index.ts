/**
 * The GPIO adapter family: one adapter per configured pin, all sharing one
 * driver (`GpioController`). Nothing starts while `gpio.pins` is empty.
 */
import type { MidgeConfig } from '../../config/types.js';
import { expandPrefix } from '../naming.js';
import type { Adapter, AdapterContext } from '../types.js';
import { GpioController } from './controller.js';
import { InputPin } from './input-pin.js';
import { OutputPin } from './output-pin.js';
import { defaultEnvironment } from './select-driver.js';
import type { DriverEnvironment } from './select-driver.js';

export interface GpioOptions {
  env?: Partial<DriverEnvironment>;
  /** How often counters publish count and rate; default one minute. */
  counterIntervalMs?: number;
  /** Retry backoff after a failed open; default 1 s growing to 60 s. */
  retry?: { baseMs: number; capMs: number };
}

/** `<prefix>/gpio/<name>`: the state topic of a pin. */
export function gpioBaseTopic(config: MidgeConfig, name: string): string {
  return `${expandPrefix(config.gpio.topic_prefix)}/gpio/${name}`;
}

export function createGpioAdapters(config: MidgeConfig, ctx: AdapterContext, options: GpioOptions = {}): Adapter[] {
  if (config.gpio.pins.length === 0) return [];
  const controller = new GpioController(config.gpio, defaultEnvironment(options.env), ctx.logger.child({ adapter: 'gpio' }));
  const retry = options.retry ?? { baseMs: 1000, capMs: 60000 };
  return config.gpio.pins.map((pin) => {
    const pc = { ctx, controller, base: gpioBaseTopic(config, pin.name), retry };
    return pin.direction === 'in' ? new InputPin(pin, pc, options.counterIntervalMs ?? 60000) : new OutputPin(pin, pc);
  });
}
