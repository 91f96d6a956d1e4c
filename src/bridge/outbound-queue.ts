/**
 * One bridge's durable outbound queue on top of the store's
 * BridgeQueueStore: bounds and overflow policy, TTL, counters, and a read
 * cursor for the sender.
 *
 * Every message is written to the store when it is enqueued (the caller
 * makes the publisher's PUBACK wait for that write) and removed only when
 * the upstream broker acknowledged it. The sender reads through a small
 * in-memory window: while the cursor has caught up with the store, new
 * messages are appended to the window directly, so a healthy link never
 * reads back from disk; after an outage the backlog is paged in order.
 */
import { messageBytes } from '../limits.js';
import type { BridgeQueueEntry, BridgeQueueStore, StoredMessage } from '../persistence/types.js';
import type { BridgeStatus } from '../status-types.js';

export interface QueueLimits {
  maxMessages: number;
  maxBytes: number;
  policy: 'drop-oldest' | 'reject-new';
  /** 0 = no TTL. */
  ttlMs: number;
}

export type DropReason = 'queue_full' | 'rejected' | 'expired' | 'dead_letter' | 'offline_qos0' | 'purged';

/** What each drop means, for the log line that counts them. */
export const DROP_WORDS: Readonly<Record<DropReason, string>> = {
  queue_full: 'bridge queue full: dropped the oldest queued message(s) (queue_policy drop-oldest)',
  rejected: 'bridge queue full: refused new message(s) (queue_policy reject-new)',
  expired: 'dropped queued message(s) older than message_ttl or past their expiry',
  dead_letter: 'moved message(s) to the dead-letter table',
  offline_qos0: 'dropped QoS 0 message(s) while not connected (queue_qos0 false)',
  purged: 'queued message(s) were purged',
};

const PAGE = 1000;

export class OutboundQueue {
  messages = 0;
  bytes = 0;
  readonly dropped: Record<DropReason, number> = { queue_full: 0, rejected: 0, expired: 0, dead_letter: 0, offline_qos0: 0, purged: 0 };
  /** Loaded, not yet handed to the sender, in seq order. */
  private window: BridgeQueueEntry[] = [];
  /** Highest seq loaded into the window (or handed out). */
  private cursor = 0;
  /** True when every stored entry beyond `cursor` is in `window` (new ones can be appended in memory). */
  private caughtUp = false;
  /** Handed to the sender, not yet acknowledged or released: seq → bytes. */
  private readonly outstanding = new Map<number, number>();

  constructor(
    readonly bridge: string,
    private readonly store: BridgeQueueStore,
    private readonly limits: QueueLimits,
    private readonly now: () => number = Date.now,
    /** Told about every message dropped (for the rate-limited log). */
    private readonly onDrop: (reason: DropReason) => void = () => undefined,
  ) {
    const s = store.stats(bridge);
    this.messages = s.messages;
    this.bytes = s.bytes;
  }

  get inFlight(): number {
    return this.outstanding.size;
  }

  /** Messages waiting that the sender has not taken yet. */
  get pending(): number {
    return this.messages - this.outstanding.size;
  }

  /**
   * Store a message. Returns false when it was refused (reject-new policy,
   * or bigger than the byte bound on its own); drop-oldest makes room by
   * removing the oldest entries not in flight.
   */
  enqueue(entry: BridgeQueueEntry): boolean {
    const size = messageBytes(entry.message);
    if (this.overLimit(1, size)) {
      if (this.limits.policy === 'reject-new' || !this.makeRoom(size)) {
        this.dropped.rejected++;
        return false;
      }
    }
    this.store.enqueue(this.bridge, entry);
    this.messages++;
    this.bytes += size;
    if (this.caughtUp && this.window.length < PAGE) {
      this.window.push(entry);
      this.cursor = entry.seq;
    } else {
      this.caughtUp = false; // link down or slow: the backlog stays on disk and is paged in later
    }
    return true;
  }

  /** Up to `n` entries in order for the sender; expired ones are dropped on the way. */
  take(n: number): BridgeQueueEntry[] {
    const out: BridgeQueueEntry[] = [];
    while (out.length < n) {
      if (this.window.length === 0 && !this.fill()) break;
      const e = this.window.shift()!;
      if (this.expired(e)) {
        this.discard(e, 'expired');
        continue;
      }
      this.outstanding.set(e.seq, messageBytes(e.message));
      out.push(e);
    }
    return out;
  }

  /** Peek at the next entry without taking it (for batching decisions). */
  peek(): BridgeQueueEntry | undefined {
    if (this.window.length === 0) this.fill();
    return this.window[0];
  }

  /** Undo `take` of the entry most recently taken: it is sent next. */
  giveBack(entry: BridgeQueueEntry): void {
    if (!this.outstanding.delete(entry.seq)) return;
    this.window.unshift(entry);
  }

  /** The upstream acknowledged it: delete it for good. */
  ack(seq: number): void {
    const size = this.outstanding.get(seq);
    if (size === undefined) return; // purged meanwhile, or acked twice
    this.outstanding.delete(seq);
    this.store.remove(this.bridge, seq);
    this.messages--;
    this.bytes -= size;
  }

  /** Move an entry that can never be delivered to the dead-letter table. */
  deadLetter(entry: BridgeQueueEntry, reason: string): void {
    const size = this.outstanding.get(entry.seq) ?? messageBytes(entry.message);
    this.outstanding.delete(entry.seq);
    this.store.deadLetter(this.bridge, entry, reason, this.now());
    this.messages--;
    this.bytes -= size;
    this.dropped.dead_letter++;
  }

  /** Connection lost: everything unacknowledged is sent again, from the oldest. */
  rewind(): void {
    this.outstanding.clear();
    this.window = [];
    this.cursor = 0;
    this.caughtUp = false;
  }

  /** Receive time of the oldest message still queued (for the oldest-age gauge). */
  oldestAt(): number | undefined {
    if (this.messages === 0) return undefined;
    const first = this.store.load(this.bridge, 0, 1)[0];
    return first?.message.receivedAt;
  }

  /** The queue's part of the bridge status at `now` (ms). */
  statusFields(now: number): Pick<BridgeStatus, 'queueDepth' | 'queueBytes' | 'oldestAgeSeconds' | 'droppedTotal'> {
    const oldest = this.oldestAt();
    return {
      queueDepth: this.messages,
      queueBytes: this.bytes,
      oldestAgeSeconds: oldest === undefined ? null : Math.max(0, (now - oldest) / 1000),
      droppedTotal: { ...this.dropped },
    };
  }

  /** Remove everything queued (CLI purge on a live gateway); returns how many. */
  purge(): number {
    const n = this.store.purge(this.bridge);
    this.dropped.purged += n;
    this.messages = 0;
    this.bytes = 0;
    this.rewind();
    return n;
  }

  private resync(): void {
    const s = this.store.stats(this.bridge);
    this.dropped.purged += Math.max(0, this.messages - s.messages);
    this.messages = s.messages;
    this.bytes = s.bytes;
    // forget what was handed out: acks of purged rows must not count again; rows that still exist
    // are read again from the start (sent twice at worst, never lost)
    this.outstanding.clear();
    this.window = [];
    this.cursor = 0;
    this.caughtUp = false;
  }

  private overLimit(addMessages: number, addBytes: number): boolean {
    const { maxMessages, maxBytes } = this.limits;
    return (maxMessages > 0 && this.messages + addMessages > maxMessages) || (maxBytes > 0 && this.bytes + addBytes > maxBytes);
  }

  /** drop-oldest: remove the oldest entries not in flight until `size` more bytes and one more message fit. */
  private makeRoom(size: number): boolean {
    if (this.limits.maxBytes > 0 && size > this.limits.maxBytes) return false;
    let after = 0;
    while (this.overLimit(1, size)) {
      let page: BridgeQueueEntry[];
      try {
        page = this.store.load(this.bridge, after, 64);
      } catch {
        return false; // the store cannot be read (disk full): refuse the new message rather than lose any
      }
      if (page.length === 0) return false; // everything left is in flight
      for (const e of page) {
        after = e.seq;
        if (this.outstanding.has(e.seq)) continue;
        this.discard(e, 'queue_full');
        if (!this.overLimit(1, size)) break;
      }
    }
    return true;
  }

  private discard(e: BridgeQueueEntry, reason: DropReason): void {
    this.store.remove(this.bridge, e.seq);
    this.outstanding.delete(e.seq);
    const i = this.window.findIndex((w) => w.seq === e.seq);
    if (i >= 0) this.window.splice(i, 1);
    this.messages--;
    this.bytes -= messageBytes(e.message);
    this.dropped[reason]++;
    this.onDrop(reason);
  }

  private expired(e: BridgeQueueEntry): boolean {
    const now = this.now();
    if (e.message.expiresAt !== undefined && now >= e.message.expiresAt) return true;
    return this.limits.ttlMs > 0 && now - e.message.receivedAt >= this.limits.ttlMs;
  }

  /** Page the next entries from the store into the window; false when there are none. */
  private fill(): boolean {
    if (this.caughtUp) return false;
    const page = this.store.load(this.bridge, this.cursor, PAGE);
    for (const e of page) if (!this.outstanding.has(e.seq)) this.window.push(e);
    if (page.length > 0) this.cursor = page[page.length - 1]!.seq;
    if (page.length < PAGE) {
      this.caughtUp = true;
      // rows removed behind our back (`midge queue purge` on a running gateway): trust the store
      if (this.messages > this.outstanding.size + this.window.length) this.resync();
    }
    return this.window.length > 0;
  }
}
