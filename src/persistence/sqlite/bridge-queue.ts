/**
 * The SQLite implementation of the bridges' outbound queues: tables
 * `bridge_queue` and `bridge_dead_letters` in the store's database. Writes
 * go through the store's group commit (so they share its transactions and
 * its `whenDurable`), reads first commit what is queued.
 */
import type Database from 'better-sqlite3';
import type { BridgeQueueEntry, BridgeQueueStats, BridgeQueueStore, DeadLetter } from '../types.js';
import { decodeMessage, encodeMessage, encodeProperties, type MessageRow } from './codec.js';
import type { Op, WriteOptions } from './group-commit.js';
import { prepare } from './native.js';

const COLUMNS = 'topic, payload, msg_qos, msg_retain, properties, received_at, expires_at';
const VALUES = '@topic, @payload, @msg_qos, @msg_retain, @properties, @received_at, @expires_at';

interface BridgeRow extends MessageRow {
  seq: number;
}

interface DeadRow extends BridgeRow {
  reason: string;
  failed_at: number;
}

function prepareBridgeStatements(db: Database.Database) {
  return {
    // positional: one row per message queued, the hot path of the bridge
    enqueue: prepare(db, `INSERT OR REPLACE INTO bridge_queue (bridge, seq, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    remove: prepare(db, 'DELETE FROM bridge_queue WHERE bridge = ? AND seq = ?'),
    load: prepare(db, `SELECT seq, ${COLUMNS} FROM bridge_queue WHERE bridge = ? AND seq > ? ORDER BY seq LIMIT ?`),
    stats: prepare(
      db,
      `SELECT count(*) AS messages, COALESCE(sum(length(CAST(topic AS BLOB)) + length(payload)), 0) AS bytes,
              min(received_at) AS oldest FROM bridge_queue WHERE bridge = ?`,
    ),
    dead: prepare(
      db,
      `INSERT OR REPLACE INTO bridge_dead_letters (bridge, seq, ${COLUMNS}, reason, failed_at)
       VALUES (@bridge, @seq, ${VALUES}, @reason, @failed_at)`,
    ),
    loadDead: prepare(db, `SELECT seq, ${COLUMNS}, reason, failed_at FROM bridge_dead_letters WHERE bridge = ? ORDER BY seq DESC LIMIT ?`),
    countDead: prepare(db, 'SELECT count(*) FROM bridge_dead_letters WHERE bridge = ?').pluck(),
    purge: prepare(db, 'DELETE FROM bridge_queue WHERE bridge = ?'),
    names: prepare(db, 'SELECT bridge FROM bridge_queue UNION SELECT bridge FROM bridge_dead_letters UNION SELECT bridge FROM bridge_state ORDER BY 1').pluck(),
    shift: prepare(db, 'UPDATE bridge_queue SET received_at = received_at + ?, expires_at = expires_at + ?'),
    saveState: prepare(db, 'INSERT OR REPLACE INTO bridge_state (bridge, state, since) VALUES (?, ?, ?)'),
    loadState: prepare(db, 'SELECT state, since FROM bridge_state WHERE bridge = ?'),
  };
}

/** Cancellation key of a bridge queue row (client queue rows use `q <client id> <seq>`). */
function rowKey(bridge: string, seq: number): string {
  return `b ${seq} ${bridge}`;
}

function decode(row: BridgeRow): BridgeQueueEntry {
  return { seq: row.seq, message: decodeMessage(row) };
}

export class SqliteBridgeQueue implements BridgeQueueStore {
  private readonly st: ReturnType<typeof prepareBridgeStatements>;

  constructor(
    db: Database.Database,
    /** Queue a write in the store's group commit. */
    private readonly write: (op: Op, options?: WriteOptions) => void,
    /** Drop a pending, uncommitted insert by key (true if there was one). */
    private readonly cancel: (key: string) => boolean,
    /** Commit queued writes before a read (throws if they cannot be). */
    private readonly readable: () => void,
    private readonly onSeq: (seq: number) => void,
  ) {
    this.st = prepareBridgeStatements(db);
  }

  enqueue(bridge: string, entry: BridgeQueueEntry): void {
    const m = entry.message;
    const seq = entry.seq;
    const properties = m.properties === undefined ? null : encodeProperties(m.properties);
    const expires = m.expiresAt ?? null;
    const write = () => this.st.enqueue.run(bridge, seq, m.topic, m.payload, m.qos, m.retain ? 1 : 0, properties, m.receivedAt, expires);
    this.write(write, { key: rowKey(bridge, seq), insert: true });
    this.onSeq(seq);
  }

  /** The upstream acknowledged it: a message acknowledged within the commit window is never written at all. */
  remove(bridge: string, seq: number): void {
    if (!this.cancel(rowKey(bridge, seq))) this.write(() => this.st.remove.run(bridge, seq));
  }

  load(bridge: string, afterSeq: number, limit: number): BridgeQueueEntry[] {
    this.readable();
    return (this.st.load.all(bridge, afterSeq, limit) as BridgeRow[]).map(decode);
  }

  stats(bridge: string): BridgeQueueStats {
    this.readable();
    const row = this.st.stats.get(bridge) as { messages: number; bytes: number; oldest: number | null };
    return { messages: row.messages, bytes: row.bytes, oldestAt: row.oldest ?? undefined };
  }

  deadLetter(bridge: string, entry: BridgeQueueEntry, reason: string, failedAt: number): void {
    const row = { bridge, seq: entry.seq, ...encodeMessage(entry.message), reason, failed_at: failedAt };
    this.write(() => {
      this.st.dead.run(row);
      this.st.remove.run(bridge, entry.seq);
    });
  }

  loadDeadLetters(bridge: string, limit: number): DeadLetter[] {
    this.readable();
    return (this.st.loadDead.all(bridge, limit) as DeadRow[]).map((r) => ({ ...decode(r), reason: r.reason, failedAt: r.failed_at }));
  }

  deadLetterCount(bridge: string): number {
    this.readable();
    return this.st.countDead.get(bridge) as number;
  }

  purge(bridge: string): number {
    this.readable();
    let removed = 0;
    this.write(() => {
      removed = this.st.purge.run(bridge).changes;
    });
    this.readable();
    return removed;
  }

  bridges(): string[] {
    this.readable();
    return this.st.names.all() as string[];
  }

  shiftTimes(deltaMs: number): void {
    this.write(() => this.st.shift.run(deltaMs, deltaMs));
  }

  saveState(bridge: string, state: string, since: number): void {
    this.write(() => this.st.saveState.run(bridge, state, since));
  }

  loadState(bridge: string): { state: string; since: number } | undefined {
    this.readable();
    return this.st.loadState.get(bridge) as { state: string; since: number } | undefined;
  }
}
