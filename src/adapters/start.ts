/**
 * Builds the device adapters the config asks for and runs them. Each
 * adapter family contributes one factory line below; readings from every
 * adapter fan out to the listeners registered with `onReading` (Home
 * Assistant discovery, the status page).
 */
import type { Logger } from 'pino';
import type { MidgeConfig } from '../config/types.js';
import { createSerialAdapters } from './serial/index.js';
import type { AdapterStatus } from '../status-types.js';
import type { Adapter, AdapterContext, Bus, Reading } from './types.js';
import { createGpioAdapters } from './gpio/index.js';
import { createHealthAdapters } from './health/index.js';
import { startDiscovery } from './homeassistant/discovery.js';

export interface RunningAdapters {
  readonly adapters: readonly Adapter[];
  /** Register a reading listener; returns the function that removes it. */
  onReading(listener: (reading: Reading) => void): () => void;
  status(): AdapterStatus[];
  stop(): Promise<void>;
}

type Factory = (config: MidgeConfig, ctx: AdapterContext) => Adapter[];

/** One entry per adapter family (serial, GPIO, system health). */
const factories: Factory[] = [createSerialAdapters, createGpioAdapters, createHealthAdapters];

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
  const adapters = factories.flatMap((f) => f(config, ctx));
  const onReading = (listener: (reading: Reading) => void): (() => void) => {
    listeners = [...listeners, listener];
    return () => {
      listeners = listeners.filter((l) => l !== listener);
    };
  };
  // before start(), so discovery sees the first readings
  const discovery = startDiscovery(config, { adapters, onReading }, bus, logger);
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
