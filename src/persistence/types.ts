/**
 * Persistence interfaces. The broker keeps its live state in memory and
 * journals every change that must survive a restart through these
 * interfaces; at start it loads everything back. Writes are synchronous
 * calls that an implementation may batch (group commit); `whenDurable`
 * tells the caller when everything written so far is on disk, which is
 * when a QoS 1/2 PUBLISH may be acknowledged.
 *
 * Two implementations: `memory/` (nothing survives the process, used when
 * persistence is off and in tests) and `sqlite/`. Both pass the shared
 * conformance suite in `test/conformance/`.
 */

import type { QoS } from '../topics/qos.js';

export type { QoS };

/** The MQTT v5 PUBLISH properties that travel with an application message. */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
}

/** An application message as the broker stores and routes it. */
export interface StoredMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: MessageProperties;
  /** Wall-clock ms when the broker received it. */
  receivedAt: number;
  /** Wall-clock ms after which it must not be delivered (v5 message expiry), if any. */
  expiresAt?: number;
}

/**
 * Who published a retained message, kept with it as mosquitto keeps
 * `source_id`, `source_username` and `source_listener`: with
 * `mqtt.check_retain_source` a new subscriber gets the message only while
 * this client may still write its topic under the current ACL.
 */
export interface MessageSource {
  clientId: string;
  username?: string;
  /** Index in `listeners[]` of the listener it published through (per-listener ACL files); mosquitto keeps the port. */
  listenerIndex?: number;
}

/** A retained message; without `source` it came from the broker itself (bridges, adapters, `$SYS`) and is never re-checked. */
export interface RetainedMessage extends StoredMessage {
  source?: MessageSource;
}

export interface SubscriptionRecord {
  /** The filter exactly as subscribed, including any `$share/group/` prefix. */
  filter: string;
  qos: QoS;
  /** v5 No Local. */
  noLocal: boolean;
  /** v5 Retain As Published. */
  retainAsPublished: boolean;
  /** v5 Retain Handling 0/1/2. */
  retainHandling: 0 | 1 | 2;
  /** v5 Subscription Identifier. */
  subscriptionId?: number;
}

export interface SessionRecord {
  clientId: string;
  protocolVersion: 3 | 4 | 5;
  /** Seconds the session outlives its connection; 0xFFFFFFFF = never expires. */
  expiryInterval: number;
  /** Wall-clock ms of the last disconnect; undefined while connected. */
  disconnectedAt?: number;
  subscriptions: SubscriptionRecord[];
}

/** Where an outbound message is in its QoS flow. */
export type OutboundState = 'queued' | 'sent' | 'pubrel';

/** A message waiting for, or in flight to, one client. */
export interface OutboundEntry {
  /** Store-wide ascending id; order of delivery per client. */
  seq: number;
  message: StoredMessage;
  /** QoS of this delivery (min of publish and subscription). */
  qos: QoS;
  /** RETAIN flag to send (retain-as-published / retained on subscribe). */
  retain: boolean;
  /** v5 subscription identifiers to send with it. */
  subscriptionIds?: number[];
  packetId?: number;
  state: OutboundState;
}

export interface SessionStore {
  loadSessions(): SessionRecord[];
  /** Insert or replace the session and its subscriptions. */
  saveSession(session: SessionRecord): void;
  /** Remove the session, its queue and its inbound QoS 2 state. */
  deleteSession(clientId: string): void;
}

export interface RetainedStore {
  loadRetained(): RetainedMessage[];
  /** Insert or update in place (one row per topic, its source with it). */
  setRetained(message: RetainedMessage): void;
  deleteRetained(topic: string): void;
}

export interface MessageQueueStore {
  /** Entries of one client in `seq` order. */
  loadQueue(clientId: string): OutboundEntry[];
  enqueue(clientId: string, entry: OutboundEntry): void;
  updateEntry(clientId: string, seq: number, change: { packetId?: number; state: OutboundState }): void;
  removeEntry(clientId: string, seq: number): void;
  /** Inbound QoS 2 packet ids received and not yet released (exactly-once). */
  loadInboundQos2(clientId: string): number[];
  addInboundQos2(clientId: string, packetId: number): void;
  removeInboundQos2(clientId: string, packetId: number): void;
}

/** A message in a bridge's durable outbound queue; `message.topic` is the remote topic (after the topic map). */
export interface BridgeQueueEntry {
  /** Store-wide ascending id (shared with client queues); send order within a bridge. */
  seq: number;
  message: StoredMessage;
}

export interface BridgeQueueStats {
  messages: number;
  /** Topic + payload bytes. */
  bytes: number;
  /** `receivedAt` of the oldest entry; undefined when empty. */
  oldestAt: number | undefined;
}

export interface DeadLetter extends BridgeQueueEntry {
  reason: string;
  /** Wall-clock ms when it was dead-lettered. */
  failedAt: number;
}

/** What a `whenDurable` caller tells the store about its wait. */
export interface DurableHints {
  /**
   * Queue entries of a message already sent to connected receivers, the
   * caller's only writes: the callback may run as soon as every one of them
   * was removed (`removeEntry`: its receiver acknowledged the message and
   * holds it now), since then nothing of it needs to survive a power cut here.
   */
  inflight?: readonly QueueRef[];
  /**
   * A delivery is stalled until the callback runs (a subscriber's in-flight
   * window is full and messages wait for it): commit now rather than wait for
   * others to share the flush.
   */
  urgent?: boolean;
}

/** A queue entry of one client: the store's key of an outbound message. */
export interface QueueRef {
  clientId: string;
  seq: number;
}

/**
 * Durable outbound queues of the bridges, one per bridge name, plus a
 * dead-letter table for messages the remote side can never accept. Writes
 * are journalled like every other store write (`whenDurable`).
 */
export interface BridgeQueueStore {
  enqueue(bridge: string, entry: BridgeQueueEntry): void;
  remove(bridge: string, seq: number): void;
  /** Up to `limit` entries with `seq > afterSeq`, in seq order. */
  load(bridge: string, afterSeq: number, limit: number): BridgeQueueEntry[];
  stats(bridge: string): BridgeQueueStats;
  /** Move an entry to the dead-letter table (removing it from the queue). */
  deadLetter(bridge: string, entry: BridgeQueueEntry, reason: string, failedAt: number): void;
  /** Most recent dead letters first, up to `limit`. */
  loadDeadLetters(bridge: string, limit: number): DeadLetter[];
  deadLetterCount(bridge: string): number;
  /** Remove every queued entry of the bridge; returns how many there were. */
  purge(bridge: string): number;
  /** Bridge names that have queued entries, dead letters or a saved state. */
  bridges(): string[];
  /** Remember a bridge's connection state (for `midge queue` while or after it ran). */
  saveState(bridge: string, state: string, since: number): void;
  loadState(bridge: string): { state: string; since: number } | undefined;
  /** The wall clock stepped by `deltaMs`: move every stored timestamp with it (see Store.shiftTimes). */
  shiftTimes(deltaMs: number): void;
}

/** Counters of a store's durable write path. */
export interface WriteStats {
  /** Transactions committed. */
  commits: number;
  /** Flushes to stable storage, each making every commit before it durable. */
  syncs: number;
  /** Queued rows (and their updates) never written: acknowledged before their commit. */
  cancelledOps: number;
}

export interface Store extends SessionStore, RetainedStore, MessageQueueStore {
  readonly bridgeQueue: BridgeQueueStore;
  /**
   * A random id fixed when the store was created; message ids sent upstream
   * combine it with `seq`, so a wiped database never reuses an id.
   */
  readonly storeId: string;
  /** Highest `seq` ever stored, so new entries continue after it. */
  maxSeq(): number;
  /**
   * Add `deltaMs` to every stored timestamp (session disconnect times,
   * message receive and expiry times): the system clock stepped, and
   * what was stamped before the step must stay as old as it really is.
   */
  shiftTimes(deltaMs: number): void;
  /** Counters of the write path; absent where nothing is written (the memory store). */
  writeStats?(): WriteStats;
  /** Call `callback` once every write issued before this call is durable (see `DurableHints`). */
  whenDurable(callback: (err?: Error) => void, hints?: DurableHints): void;
  close(): void;
}
