/**
 * Builds the device adapters the config asks for and runs them. Each
 * adapter family contributes one factory line below; readings from every
 * adapter fan out to the listeners registered with `onReading` (Home
 * Assistant discovery, the status page).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MidgeConfig } from '../config/types.js';
import type { AdapterStatus } from '../status-types.js';
import type { Adapter, AdapterContext, Bus, Reading } from './types.js';
import { REGISTRY_FILE } from './homeassistant/registry.js';

export interface RunningAdapters {
  readonly adapters: readonly Adapter[];
  /** Register a reading listener; returns the function that removes it. */
  onReading(listener: (reading: Reading) => void): () => void;
  status(): AdapterStatus[];
  stop(): Promise<void>;
}

type Factory = (config: MidgeConfig, ctx: AdapterContext) => Adapter[];

/**
 * One entry per adapter family (serial, GPIO, system health). A family's
 * modules (serialport, onoff/node-libgpiod, systeminformation) are imported
 * only when its config section is used: an idle broker stays small.
 */
const families: Array<{ used: (config: MidgeConfig) => boolean; load: () => Promise<Factory> }> = [
  { used: (c) => c.serial.some((d) => d.enabled), load: async () => (await import('./serial/index.js')).createSerialAdapters },
  { used: (c) => c.gpio.pins.length > 0, load: async () => (await import('./gpio/index.js')).createGpioAdapters },
  { used: (c) => c.health.enabled, load: async () => (await import('./health/index.js')).createHealthAdapters },
];

/** Discovery runs when enabled with adapters running, or to remove the entities a previous run announced. */
function discoveryUsed(config: MidgeConfig, adapters: readonly Adapter[]): boolean {
  if (config.homeassistant.enabled && adapters.length > 0) return true;
  return config.persistence.enabled && existsSync(join(config.persistence.path, REGISTRY_FILE));
}

export async function startAdapters(config: MidgeConfig, bus: Bus, logger: Logger): Promise<RunningAdapters> {
  let listeners: Array<(reading: Reading) => void> = [];
  const ctx: AdapterContext = {
    bus,
    logger,
    onReading: (reading) => {
      for (const l of listeners) {
        try {
          l(reading);
        } catch (err) {
          logger.error({ err, device: reading.device }, 'reading listener failed');
        }
      }
    },
  };
  const factories = await Promise.all(families.filter((f) => f.used(config)).map((f) => f.load()));
  const adapters = factories.flatMap((f) => f(config, ctx));
  const onReading = (listener: (reading: Reading) => void): (() => void) => {
    listeners = [...listeners, listener];
    return () => {
      listeners = listeners.filter((l) => l !== listener);
    };
  };
  // before start(), so discovery sees the first readings
  const discovery = discoveryUsed(config, adapters)
    ? (await import('./homeassistant/discovery.js')).startDiscovery(config, { adapters, onReading }, bus, logger)
    : { stop: () => undefined };
  // start() never rejects for a missing device (the adapter retries); a rejection here is a bug or bad config
  await Promise.all(adapters.map((a) => a.start()));
  return {
    adapters,
    onReading,
    status: () => adapters.map((a) => a.status()),
    async stop() {
      await Promise.allSettled(adapters.map((a) => a.stop()));
      discovery.stop();
    },
  };
}
