/** The memory implementation of the bridges' outbound queues (same copy contract as MemoryStore). */
import { messageBytes } from '../../limits.js';
import type { BridgeQueueEntry, BridgeQueueStats, BridgeQueueStore, DeadLetter } from '../types.js';
import { copyMessage } from './copy.js';

function copyEntry(e: BridgeQueueEntry): BridgeQueueEntry {
  return { seq: e.seq, message: copyMessage(e.message) };
}

export class MemoryBridgeQueue implements BridgeQueueStore {
  /** Per bridge: entries by seq (Map keeps insertion order = seq order, since seqs only grow). */
  private readonly queues = new Map<string, Map<number, BridgeQueueEntry>>();
  private readonly dead = new Map<string, DeadLetter[]>();
  private readonly states = new Map<string, { state: string; since: number }>();

  constructor(
    private readonly assertOpen: () => void,
    private readonly onSeq: (seq: number) => void,
  ) {}

  enqueue(bridge: string, entry: BridgeQueueEntry): void {
    this.assertOpen();
    let q = this.queues.get(bridge);
    if (!q) this.queues.set(bridge, (q = new Map()));
    q.set(entry.seq, copyEntry(entry));
    this.onSeq(entry.seq);
  }

  remove(bridge: string, seq: number): void {
    this.assertOpen();
    this.queues.get(bridge)?.delete(seq);
  }

  load(bridge: string, afterSeq: number, limit: number): BridgeQueueEntry[] {
    this.assertOpen();
    const out: BridgeQueueEntry[] = [];
    const q = this.queues.get(bridge);
    if (!q) return out;
    const sorted = [...q.keys()].filter((s) => s > afterSeq).sort((a, b) => a - b);
    for (const seq of sorted.slice(0, limit)) out.push(copyEntry(q.get(seq)!));
    return out;
  }

  stats(bridge: string): BridgeQueueStats {
    this.assertOpen();
    let messages = 0;
    let bytes = 0;
    let oldestAt: number | undefined;
    for (const e of this.queues.get(bridge)?.values() ?? []) {
      messages++;
      bytes += messageBytes(e.message);
      if (oldestAt === undefined || e.message.receivedAt < oldestAt) oldestAt = e.message.receivedAt;
    }
    return { messages, bytes, oldestAt };
  }

  deadLetter(bridge: string, entry: BridgeQueueEntry, reason: string, failedAt: number): void {
    this.assertOpen();
    this.queues.get(bridge)?.delete(entry.seq);
    let list = this.dead.get(bridge);
    if (!list) this.dead.set(bridge, (list = []));
    list.push({ ...copyEntry(entry), reason, failedAt });
  }

  loadDeadLetters(bridge: string, limit: number): DeadLetter[] {
    this.assertOpen();
    return [...(this.dead.get(bridge) ?? [])]
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit)
      .map((d) => ({ ...copyEntry(d), reason: d.reason, failedAt: d.failedAt }));
  }

  deadLetterCount(bridge: string): number {
    this.assertOpen();
    return this.dead.get(bridge)?.length ?? 0;
  }

  purge(bridge: string): number {
    this.assertOpen();
    const n = this.queues.get(bridge)?.size ?? 0;
    this.queues.delete(bridge);
    return n;
  }

  bridges(): string[] {
    this.assertOpen();
    const names = new Set<string>();
    for (const [name, q] of this.queues) if (q.size > 0) names.add(name);
    for (const [name, d] of this.dead) if (d.length > 0) names.add(name);
    for (const name of this.states.keys()) names.add(name);
    return [...names].sort();
  }

  shiftTimes(deltaMs: number): void {
    this.assertOpen();
    for (const q of this.queues.values()) {
      for (const e of q.values()) {
        e.message.receivedAt += deltaMs;
        if (e.message.expiresAt !== undefined) e.message.expiresAt += deltaMs;
      }
    }
  }

  saveState(bridge: string, state: string, since: number): void {
    this.assertOpen();
    this.states.set(bridge, { state, since });
  }

  loadState(bridge: string): { state: string; since: number } | undefined {
    this.assertOpen();
    const s = this.states.get(bridge);
    return s ? { ...s } : undefined;
  }
}
