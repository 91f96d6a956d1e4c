/**
 * A Store kept in Maps: nothing survives the process. Used when persistence
 * is off, and as the reference implementation in the conformance suite.
 *
 * Copy contract (the same as the SQLite store's, so the two are
 * interchangeable):
 * - Records are snapshotted when a write is called: mutating an object or
 *   array you passed (message, properties, userProperties, subscriptions,
 *   subscriptionIds) afterwards does not change what is stored.
 * - Loads return fresh objects: mutating them does not change the store.
 * - Buffers (payload, correlationData) are NOT copied: they are shared with
 *   the caller and must be treated as immutable by both sides (the SQLite
 *   store reads their bytes at commit time).
 * - Absent optional fields come back absent; keys whose value is
 *   `undefined` are dropped, as JSON encoding does in the SQLite store.
 * - `loadInboundQos2` returns packet ids in ascending order; `loadQueue` in
 *   `seq` order; sessions and retained messages in no particular order.
 */
import { ERR, StoreError } from '../../errors.js';
import { MemoryBridgeQueue } from './memory-bridge-queue.js';
import { copyMessage, copyRetained, defined } from './copy.js';
import type {
  OutboundEntry,
  OutboundState,
  RetainedMessage,
  SessionRecord,
  StoredMessage,
  Store,
  SubscriptionRecord,
} from '../types.js';

export class MemoryStore implements Store {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly retained = new Map<string, RetainedMessage>();
  private readonly queues = new Map<string, Map<number, OutboundEntry>>();
  private readonly inbound = new Map<string, Set<number>>();
  private highestSeq = 0;
  private closed = false;
  readonly storeId = Math.floor(Math.random() * 2 ** 48).toString(36);
  readonly bridgeQueue = new MemoryBridgeQueue(
    () => this.assertOpen(),
    (seq) => {
      if (seq > this.highestSeq) this.highestSeq = seq;
    },
  );

  loadSessions(): SessionRecord[] {
    this.assertOpen();
    return [...this.sessions.values()].map(copySession);
  }

  saveSession(session: SessionRecord): void {
    this.assertOpen();
    this.sessions.set(session.clientId, copySession(session));
  }

  deleteSession(clientId: string): void {
    this.assertOpen();
    this.sessions.delete(clientId);
    this.queues.delete(clientId);
    this.inbound.delete(clientId);
  }

  loadRetained(): RetainedMessage[] {
    this.assertOpen();
    return [...this.retained.values()].map(copyRetained);
  }

  setRetained(message: RetainedMessage): void {
    this.assertOpen();
    this.retained.set(message.topic, copyRetained(message));
  }

  deleteRetained(topic: string): void {
    this.assertOpen();
    this.retained.delete(topic);
  }

  loadQueue(clientId: string): OutboundEntry[] {
    this.assertOpen();
    const queue = this.queues.get(clientId);
    if (queue === undefined) return [];
    return [...queue.values()].sort((a, b) => a.seq - b.seq).map(copyEntry);
  }

  enqueue(clientId: string, entry: OutboundEntry): void {
    this.assertOpen();
    let queue = this.queues.get(clientId);
    if (queue === undefined) this.queues.set(clientId, (queue = new Map()));
    queue.set(entry.seq, copyEntry(entry));
    if (entry.seq > this.highestSeq) this.highestSeq = entry.seq;
  }

  updateEntry(clientId: string, seq: number, change: { packetId?: number; state: OutboundState }): void {
    this.assertOpen();
    const entry = this.queues.get(clientId)?.get(seq);
    if (entry === undefined) return;
    if (change.packetId !== undefined) entry.packetId = change.packetId;
    entry.state = change.state;
  }

  removeEntry(clientId: string, seq: number): void {
    this.assertOpen();
    const queue = this.queues.get(clientId);
    if (queue === undefined) return;
    queue.delete(seq);
    if (queue.size === 0) this.queues.delete(clientId);
  }

  loadInboundQos2(clientId: string): number[] {
    this.assertOpen();
    return [...(this.inbound.get(clientId) ?? [])].sort((a, b) => a - b);
  }

  addInboundQos2(clientId: string, packetId: number): void {
    this.assertOpen();
    let ids = this.inbound.get(clientId);
    if (ids === undefined) this.inbound.set(clientId, (ids = new Set()));
    ids.add(packetId);
  }

  removeInboundQos2(clientId: string, packetId: number): void {
    this.assertOpen();
    const ids = this.inbound.get(clientId);
    if (ids === undefined) return;
    ids.delete(packetId);
    if (ids.size === 0) this.inbound.delete(clientId);
  }

  maxSeq(): number {
    return this.highestSeq;
  }

  shiftTimes(deltaMs: number): void {
    this.assertOpen();
    for (const s of this.sessions.values()) if (s.disconnectedAt !== undefined) s.disconnectedAt += deltaMs;
    for (const m of this.retained.values()) shiftMessage(m, deltaMs);
    for (const queue of this.queues.values()) for (const e of queue.values()) shiftMessage(e.message, deltaMs);
    this.bridgeQueue.shiftTimes(deltaMs);
  }

  /** Everything is "durable" at once; the callback still runs asynchronously, in order. */
  whenDurable(callback: (err?: Error) => void): void {
    if (this.closed) queueMicrotask(() => callback(new StoreError('store is closed', ERR.STORE_CLOSED)));
    else queueMicrotask(() => callback());
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('store is closed', ERR.STORE_CLOSED);
  }
}

function shiftMessage(m: StoredMessage, deltaMs: number): void {
  m.receivedAt += deltaMs;
  if (m.expiresAt !== undefined) m.expiresAt += deltaMs;
}

function copyEntry(e: OutboundEntry): OutboundEntry {
  const out: OutboundEntry = {
    seq: e.seq,
    message: copyMessage(e.message),
    qos: e.qos,
    retain: e.retain,
    state: e.state,
  };
  if (e.subscriptionIds !== undefined) out.subscriptionIds = [...e.subscriptionIds];
  if (e.packetId !== undefined) out.packetId = e.packetId;
  return out;
}

function copySession(s: SessionRecord): SessionRecord {
  const out: SessionRecord = {
    clientId: s.clientId,
    protocolVersion: s.protocolVersion,
    expiryInterval: s.expiryInterval,
    subscriptions: s.subscriptions.map((sub: SubscriptionRecord) => defined(sub)),
  };
  if (s.disconnectedAt !== undefined) out.disconnectedAt = s.disconnectedAt;
  return out;
}
