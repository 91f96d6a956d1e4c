/**
 * The durable store: one SQLite file in WAL mode (better-sqlite3).
 *
 * Writes are queued and group-committed (see `group-commit.ts`): writes
 * issued close together land in ONE transaction, and with `synchronous:
 * full` (the default) one fdatasync of the WAL, run in the thread pool,
 * makes every commit made before it durable (`durable-wal.ts`). Arguments are encoded when the write is issued, so mutating
 * an object after passing it changes nothing; Buffers (payloads,
 * correlation data) are bound at commit time and must not be mutated.
 *
 * Reads (`load*`) first commit whatever is queued, so they always see the
 * caller's own writes; if that commit fails they throw the StoreError.
 *
 * Failures: disk full / I/O errors (`GW_ERR_STORE_FULL`) keep the batch
 * queued and retry it with backoff; the store keeps accepting writes and
 * reports the error to `whenDurable` callbacks and in `stats()`.
 */
import type Database from 'better-sqlite3';
import { ERR, StoreError } from '../../errors.js';
import type { OutboundEntry, DurableHints, OutboundState, RetainedMessage, SessionRecord, Store, WriteStats } from '../types.js';
import { decodeEntry, decodeRetained, decodeSession, encodeEntry, encodeRetained, encodeSession } from './codec.js';
import type { QueueRow, RetainedRow, SessionRow } from './codec.js';
import { Checkpointer } from './checkpointer.js';
import { DurableWal } from './durable-wal.js';
import { GroupCommit, type Op, type WriteOptions } from './group-commit.js';
import { pragmaValue } from './native.js';
import { openDatabase, setMaxPageCount } from './open-database.js';
import {
  DEFAULT_COMMIT_WINDOW_MS,
  DEFAULT_SETTLE_WAIT_MS,
  DEFAULT_LAZY_MS,
  DEFAULT_MAX_BATCH_OPS,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  stderrLogger,
  type SqliteStoreOptions,
  type SqliteStoreStats,
  type StoreLogger,
} from './options.js';
import { SCHEMA_VERSION } from './schema.js';
import { classify, toStoreError } from './sqlite-errors.js';
import { prepareStatements, type Statements } from './statements.js';
import { SqliteBridgeQueue } from './bridge-queue.js';

/** Sequence numbers reserved per write of `max_seq` (see `reservation`). */
export const SEQ_BLOCK = 10_000;

/** Cancellation key of a client queue row. */
function queueKey(clientId: string, seq: number): string {
  return `q ${seq} ${clientId}`;
}

export class SqliteStore implements Store {
  readonly file: string;
  readonly bridgeQueue: SqliteBridgeQueue;
  readonly storeId: string;
  private readonly db: Database.Database;
  private readonly st: Statements;
  private readonly logger: StoreLogger;
  private readonly group: GroupCommit;
  private readonly info: { journalMode: string; synchronous: 'normal' | 'full'; movedAside: string | undefined };
  private readonly wal: DurableWal | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private highestSeq: number;
  /** Sequence numbers are reserved in blocks (see SEQ_BLOCK); this is the end of the stored reservation. */
  private reservedSeq: number;
  private storeFullErrors = 0;
  private droppedOps = 0;
  private lastError: SqliteStoreStats['lastError'];
  private closed = false;
  private readonly batchTxn: Database.Transaction<(ops: Op[], seq: number) => void>;
  private readonly isolatedTxn: Database.Transaction<(ops: Op[], seq: number, failures: unknown[]) => void>;

  constructor(options: SqliteStoreOptions) {
    this.file = options.file;
    this.logger = options.logger ?? stderrLogger;
    const opened = openDatabase(options, this.logger);
    this.db = opened.db;
    try {
      this.st = prepareStatements(this.db);
      this.highestSeq = this.reservedSeq = this.st.readMaxSeq.get() as number;
      this.storeId = (this.st.readStoreId.get() as number).toString(36);
    } catch (err) {
      this.db.close();
      throw toStoreError(err, `cannot use database ${this.file}`);
    }
    const sync = opened.durableWal || pragmaValue(this.db, 'synchronous') === 2 ? 'full' : 'normal';
    this.info = { journalMode: opened.journalMode, synchronous: sync, movedAside: opened.movedAside };
    this.wal = opened.durableWal ? new DurableWal(this.file) : undefined;
    // with the WAL synced in the thread pool, its checkpoints move off the event loop too
    this.checkpointer = opened.durableWal ? new Checkpointer(this.db, this.file, this.logger) : undefined;
    this.bridgeQueue = new SqliteBridgeQueue(this.db, (op, o) => this.write(op, o), (key) => this.group.cancel(key), () => this.readable(), (seq) => this.noteSeq(seq));
    const txns = this.makeTransactions();
    this.batchTxn = txns.batch;
    this.isolatedTxn = txns.isolated;
    this.group = new GroupCommit({
      maxBatchOps: options.maxBatchOps ?? DEFAULT_MAX_BATCH_OPS,
      windowMs: options.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS,
      settleWaitMs: options.settleWaitMs ?? DEFAULT_SETTLE_WAIT_MS,
      lazyMs: options.lazyMs ?? DEFAULT_LAZY_MS,
      ...(this.wal ? { sync: (done: (err?: Error) => void) => this.wal!.sync(done) } : {}),
      retryInitialMs: options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS,
      retryMaxMs: options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
      commit: (ops) => this.commit(ops),
      // every row of the batch was cancelled, but the reservation of ids must still be renewed
      mustCommit: () => this.reservation() !== this.reservedSeq,
      onError: (err, pending, attempt) => this.onCommitError(err, pending, attempt),
      onRecovered: (attempts) => this.logger.info({ file: this.file, attempts }, 'store writes succeed again'),
    });
    if (opened.previousVersion !== SCHEMA_VERSION) {
      const what = opened.previousVersion === 0 ? 'database created' : 'database schema migrated';
      this.logger.info({ file: this.file, from: opened.previousVersion, to: SCHEMA_VERSION }, what);
    }
  }

  // ---- sessions -------------------------------------------------------

  loadSessions(): SessionRecord[] {
    this.readable();
    return (this.st.loadSessions.all() as SessionRow[]).map(decodeSession);
  }

  saveSession(session: SessionRecord): void {
    const row = encodeSession(session);
    this.write(() => this.st.saveSession.run(row));
  }

  deleteSession(clientId: string): void {
    this.write(() => {
      this.st.deleteSession.run(clientId);
      this.st.deleteQueue.run(clientId);
      this.st.deleteInbound.run(clientId);
    });
  }

  // ---- retained -------------------------------------------------------

  loadRetained(): RetainedMessage[] {
    this.readable();
    return (this.st.loadRetained.all() as RetainedRow[]).map(decodeRetained);
  }

  setRetained(message: RetainedMessage): void {
    const row = encodeRetained(message);
    this.write(() => this.st.setRetained.run(row));
  }

  deleteRetained(topic: string): void {
    this.write(() => this.st.deleteRetained.run(topic));
  }

  // ---- queues ---------------------------------------------------------

  loadQueue(clientId: string): OutboundEntry[] {
    this.readable();
    return (this.st.loadQueue.all(clientId) as QueueRow[]).map(decodeEntry);
  }

  enqueue(clientId: string, entry: OutboundEntry): void {
    const row = encodeEntry(clientId, entry);
    this.write(() => this.st.enqueue.run(row), { key: queueKey(clientId, entry.seq), insert: true });
    this.noteSeq(entry.seq);
  }

  updateEntry(clientId: string, seq: number, change: { packetId?: number; state: OutboundState }): void {
    const packetId = change.packetId ?? null;
    const state = change.state;
    this.write(() => this.st.updateEntry.run(packetId, state, clientId, seq), { key: queueKey(clientId, seq) });
  }

  /** Delivered and acknowledged: a message acknowledged within the commit window is never written at all. */
  removeEntry(clientId: string, seq: number): void {
    const key = queueKey(clientId, seq);
    if (!this.group.cancel(key)) this.write(() => this.st.removeEntry.run(clientId, seq));
    this.group.settle(key);
  }

  loadInboundQos2(clientId: string): number[] {
    this.readable();
    return this.st.loadInbound.all(clientId) as number[];
  }

  addInboundQos2(clientId: string, packetId: number): void {
    this.write(() => this.st.addInbound.run(clientId, packetId));
  }

  removeInboundQos2(clientId: string, packetId: number): void {
    this.write(() => this.st.removeInbound.run(clientId, packetId));
  }

  // ---- store ----------------------------------------------------------

  maxSeq(): number {
    return this.highestSeq;
  }

  shiftTimes(deltaMs: number): void {
    this.write(() => {
      this.st.shiftSessions.run(deltaMs);
      this.st.shiftRetained.run(deltaMs, deltaMs);
      this.st.shiftQueue.run(deltaMs, deltaMs);
    });
    this.bridgeQueue.shiftTimes(deltaMs);
  }

  whenDurable(callback: (err?: Error) => void, hints?: DurableHints): void {
    if (hints === undefined) this.group.whenDurable(callback);
    else this.group.whenDurable(callback, { keys: hints.inflight?.map((ref) => queueKey(ref.clientId, ref.seq)), urgent: hints.urgent });
  }

  /**
   * Commit everything queued now instead of at the end of the turn. Returns
   * the error if that failed (the writes stay queued and are retried).
   */
  flush(): StoreError | undefined {
    if (this.closed) return undefined;
    return this.group.flush();
  }

  /** Change `PRAGMA max_page_count` at run time; returns the value in effect. */
  setMaxPageCount(pages: number): number {
    this.assertOpen();
    return setMaxPageCount(this.db, pages);
  }

  stats(): SqliteStoreStats {
    return {
      ...this.group.counters,
      commitMode: this.group.window.mode,
      storeFullErrors: this.storeFullErrors,
      droppedOps: this.droppedOps,
      pendingOps: this.group.pendingOps,
      failing: this.group.lastFailure !== undefined,
      lastError: this.lastError,
      journalMode: this.info.journalMode,
      synchronous: this.info.synchronous,
      schemaVersion: SCHEMA_VERSION,
      movedAside: this.info.movedAside,
      checkpoints: this.checkpointer ? { ...this.checkpointer.counters } : undefined,
    };
  }

  writeStats(): WriteStats {
    const c = this.group.counters;
    return { commits: c.commits, syncs: c.syncs, cancelledOps: c.cancelledOps };
  }

  /** Commit what is queued (one last attempt), then close the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    const lost = this.group.close(() => this.wal?.syncNow());
    this.closed = true;
    if (lost > 0) {
      this.logger.error(
        { file: this.file, lostOps: lost, err: this.lastError },
        `closing the store with ${lost} write(s) that could not be committed; they were never reported durable`,
      );
    }
    this.checkpointer?.close();
    try {
      this.db.close();
    } catch (err) {
      this.logger.error({ file: this.file, err }, 'closing the database failed');
    }
    this.wal?.close();
  }

  // ---- internals ------------------------------------------------------

  private write(op: Op, options?: WriteOptions): void {
    this.assertOpen();
    this.group.push(op, options);
  }

  /** Make queued writes visible to a read, or throw why they cannot be. */
  private readable(): void {
    this.assertOpen();
    const err = this.group.flush();
    if (err !== undefined && this.group.pendingOps > 0) throw err;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('store is closed', ERR.STORE_CLOSED);
  }

  /** One transaction for the whole batch; see GroupCommit for the contract. */
  private commit(ops: Op[]): StoreError | undefined {
    const seq = this.reservation();
    try {
      this.batchTxn.immediate(ops, seq);
      this.reservedSeq = seq;
      this.checkpointer?.afterCommit();
      return undefined;
    } catch (err) {
      if (classify(err) !== ERR.STORE) throw toStoreError(err, 'commit failed');
      // Not a disk/lock/corruption problem: one op is bad. Commit the others
      // (each in its own savepoint) rather than blocking the store forever.
      const failures = this.runIsolated(ops, seq);
      this.reservedSeq = seq;
      this.checkpointer?.afterCommit();
      if (failures.length === 0) return undefined;
      this.droppedOps += failures.length;
      const dropped = toStoreError(failures[0], `${failures.length} write(s) could not be stored and were dropped`);
      this.lastError = { code: dropped.code, message: dropped.message, at: Date.now() };
      this.logger.error({ file: this.file, err: dropped, dropped: failures.length }, dropped.message);
      return dropped;
    }
  }

  /**
   * The `max_seq` to store with the next commit. Sequence numbers become
   * message ids upstream (`<store id>-<seq>`) as soon as they are taken,
   * often before their row is written (or instead of it, when the cloud
   * acknowledges within the commit window), so the store reserves them in
   * blocks: `max_seq` is kept SEQ_BLOCK ahead, renewed with any commit once
   * half of it is used. After a restart numbering continues above the
   * reservation, and an id is never given to two messages.
   */
  private reservation(): number {
    return this.highestSeq + SEQ_BLOCK / 2 > this.reservedSeq ? this.highestSeq + SEQ_BLOCK : this.reservedSeq;
  }

  private noteSeq(seq: number): void {
    if (seq > this.highestSeq) this.highestSeq = seq;
  }

  private runIsolated(ops: Op[], seq: number): unknown[] {
    const failures: unknown[] = [];
    try {
      this.isolatedTxn.immediate(ops, seq, failures);
    } catch (err) {
      throw toStoreError(err, 'commit failed'); // full/busy/corrupt: nothing committed, retried
    }
    return failures;
  }

  private makeTransactions() {
    const batch = this.db.transaction((ops: Op[], seq: number) => {
      for (const op of ops) op();
      if (seq > this.reservedSeq) this.st.writeMaxSeq.run(seq, seq);
    });
    const one = this.db.transaction((op: Op) => op());
    const isolated = this.db.transaction((ops: Op[], seq: number, failures: unknown[]) => {
      for (const op of ops) {
        try {
          one(op); // nested inside `isolated`: runs in its own savepoint
        } catch (err) {
          if (classify(err) !== ERR.STORE) throw err;
          failures.push(err);
        }
      }
      if (seq > this.reservedSeq) this.st.writeMaxSeq.run(seq, seq);
    });
    return { batch, isolated };
  }

  private onCommitError(err: StoreError, pendingOps: number, attempt: number): void {
    if (err.code === ERR.STORE_FULL) this.storeFullErrors++;
    this.lastError = { code: err.code, message: err.message, at: Date.now() };
    // Log the first failure loudly, then only on attempts 2, 4, 8, ... to keep the log readable.
    if ((attempt & (attempt - 1)) !== 0) return;
    const fields = { file: this.file, err, code: err.code, pendingOps, attempt };
    const msg = `store commit failed (${err.code}); ${pendingOps} write(s) kept queued and retried, nothing is acknowledged until they commit`;
    if (attempt === 1) this.logger.error(fields, msg);
    else this.logger.warn(fields, msg);
  }
}
