/**
 * What running components report about themselves. The metrics endpoint,
 * the status page and `midge status` read these; the components (bridges,
 * device adapters) fill them. Plain data, cheap to build on demand.
 */
import type { BridgeType } from './config/types.js';

export type BridgeState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface BridgeStatus {
  name: string;
  type: BridgeType;
  state: BridgeState;
  /** Upstream address currently used or last tried, `host:port`. */
  address: string | undefined;
  /** Messages waiting in the durable queue (including in flight). */
  queueDepth: number;
  /** Bytes (topic + payload) waiting in the durable queue. */
  queueBytes: number;
  /** Age in seconds of the oldest queued message; null when the queue is empty. */
  oldestAgeSeconds: number | null;
  /** PUBLISHes sent upstream and not yet acknowledged. */
  inFlight: number;
  /** Messages acknowledged by the upstream broker since start. */
  sentTotal: number;
  /** Messages received from upstream (in rules) since start. */
  receivedTotal: number;
  /** Messages dropped since start, by reason (`queue_full`, `expired`, `rejected`, ...). */
  droppedTotal: Record<string, number>;
  /** Rows in the dead-letter table (messages the cloud can never accept). */
  deadLetters: number;
  /** Upstream acks per second over the last measurement window (replay rate). */
  sendRate: number;
  /** Connects since start; each failed or dropped connection is followed by a backoff. */
  connectsTotal: number;
  lastError: string | undefined;
}

export type AdapterKind = 'serial' | 'gpio' | 'health';
export type AdapterState = 'starting' | 'running' | 'waiting' | 'error' | 'stopped';

export interface AdapterStatus {
  kind: AdapterKind;
  /** Device or pin name from the config. */
  name: string;
  state: AdapterState;
  /** Monotonic counters, e.g. `lines_parsed`, `lines_dropped`, `edges`, `commands`. */
  counters: Record<string, number>;
  /** Most recent reading: flat field values and when (epoch ms). */
  lastReading: { at: number; values: Record<string, string | number | boolean | null> } | undefined;
  lastError: string | undefined;
  /** Units of reading fields that have one (`B`, `B/s`, `s`, `%`, `°C`), for the status page. */
  units?: Record<string, string>;
}

/** Where the metrics endpoint and status page get component status from. */
export interface StatusProviders {
  bridges(): BridgeStatus[];
  adapters(): AdapterStatus[];
}
