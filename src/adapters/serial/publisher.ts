/**
 * What a topic profile does with a device's readings, log lines, events
 * and availability, and which topics carry commands for the port. One
 * implementation per profile: default (templates), tasmota, homie.
 */
import type { SerialDeviceConfig } from '../../config/types.js';
import type { AvailabilityTopic, Bus } from '../types.js';
import type { BootBanner } from './boot-banner.js';
import type { Value } from '../../serial-parsers/values.js';

export type OfflineReason = 'closed' | 'missing' | 'timeout' | 'stopped';

export interface Publisher {
  /** Topics whose payloads are written to the port (exact topic names). */
  readonly commandTopics: readonly string[];
  /** Where online()/offline() publish, and the payloads (Home Assistant lists it next to the gateway's). */
  readonly availability: AvailabilityTopic;
  online(): void;
  offline(reason: OfflineReason): void;
  reading(values: Record<string, Value>, at: number): void;
  log(text: string, at: number): void;
  reset(banner: BootBanner, at: number): void;
  /** A command from `topic` was written to the port. */
  commandWritten(topic: string, line: string): void;
}

export interface PublisherContext {
  bus: Bus;
  device: SerialDeviceConfig;
  /** Value of {hostname}; the real host name when absent. */
  hostname?: string;
}

/** A plain MQTT payload for one value: numbers and booleans as text; null has none. */
export function plainValue(v: Value): string | undefined {
  if (v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

/** Local time as Tasmota prints it: `2026-11-24T20:11:00` (no zone). */
export function localIsoSeconds(at: number): string {
  const d = new Date(at);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
