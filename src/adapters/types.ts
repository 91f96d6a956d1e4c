/**
 * The contract every device adapter (serial, GPIO, system health) follows:
 * start/stop/status, typed readings, and hardware access injected through
 * the context so tests can supply a real pseudo-terminal or a simulated
 * GPIO chip.
 */
import type { Logger } from 'pino';
import type { Bus } from '../bus.js';
import type { AdapterKind, AdapterStatus } from '../status-types.js';

export type { Bus } from '../bus.js';

/** One reading from a device: flat field values (dotted keys for nested JSON). */
export interface Reading {
  kind: AdapterKind;
  /** Device or pin name from the config. */
  device: string;
  /** Epoch milliseconds when the reading was taken. */
  at: number;
  values: Record<string, string | number | boolean | null>;
}

export interface AdapterContext {
  bus: Bus;
  logger: Logger;
  /** Called for every reading (status page, Home Assistant discovery); optional. */
  onReading?: (reading: Reading) => void;
}

/** Where an adapter says whether its device is there (retained), and with which payloads. */
export interface AvailabilityTopic {
  topic: string;
  online: string;
  offline: string;
}

export interface Adapter {
  readonly kind: AdapterKind;
  readonly name: string;
  /** The device's own availability topic, when the adapter publishes one (serial devices). */
  readonly availability?: AvailabilityTopic;
  /** Never rejects for a missing or busy device: it logs, reports `waiting`/`error` and retries. */
  start(): Promise<void>;
  /** Releases the device; publishes `offline` availability where the adapter has it. */
  stop(): Promise<void>;
  status(): AdapterStatus;
}
