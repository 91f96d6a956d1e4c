/**
 * Group commit: the store's journal. Writes are queued as ops and
 * committed together in ONE transaction; a caller that must not answer
 * before its writes survive a power cut registers a `whenDurable` callback.
 *
 * When a batch is committed: writes nobody waits for (a delivered
 * message's removal, a session saved at disconnect) are committed `lazyMs`
 * after the first of them, or with the next batch someone waits for. A
 * `whenDurable` call opens the commit window (`commit-window.ts`): the batch
 * is committed at the end of the event-loop turn, or up to `windowMs` later
 * when waiting gathers more acknowledgements into the same flush; at once
 * when more than `maxBatchOps` are queued.
 *
 * Cancellation: an insert registered with a `key` that is removed again
 * before it was committed (a message the cloud or the subscriber
 * acknowledged within the window) is dropped from the batch with its
 * updates; neither is ever written.
 *
 * Settling: a caller whose only writes are such rows, for a message already
 * sent to connected receivers, passes their keys to `whenDurable`. Its
 * callback runs when the writes are durable OR when every one of those rows
 * was removed (`settle`: each receiver acknowledged it and holds it now),
 * whichever comes first, so a publisher's PUBACK never waits for a flush the
 * subscriber made pointless. While every waiter of a batch is such a caller,
 * an eager batch is not committed at the end of its turn but up to
 * `settleWaitMs` later (the receivers' acknowledgements usually arrive
 * first, and then nothing is written at all); a batch whose waiters have all
 * settled is left to the lazy timer.
 *
 * Durability: with a `sync` function (the SQLite store's fdatasync of its
 * WAL in the thread pool), callbacks run once a sync that started after
 * their writes' commit has finished (sync-queue.ts: overlapping syncs, and
 * why a sync beside a failed one is not trusted); the event loop never
 * waits for the disk.
 * Without a sync function, callbacks run right after the commit.
 *
 * A failed commit is NOT dropped: its ops stay queued (later writes append
 * behind them, preserving order) and it is retried with exponential backoff
 * until it commits. Callbacks that saw an error must treat their writes as
 * not durable (the broker refuses the PUBLISH instead of acknowledging it);
 * a later retry may still commit them, which is harmless. The journal stays
 * an exact prefix of the broker's history at batch granularity.
 */
import { ERR, StoreError } from '../../errors.js';
import { CommitWindow } from './commit-window.js';
import { SyncQueue, type SyncFn } from './sync-queue.js';
import { type DurableCallback, Waiter } from './waiter.js';

export type Op = () => void;
export type { DurableCallback };

export interface WriteOptions {
  /** Row identity for cancellation: `insert` registers it, other ops with the key are its updates. */
  key?: string;
  insert?: boolean;
}

export interface GroupCommitOptions {
  /** Commit synchronously once more than this many ops are queued. */
  maxBatchOps: number;
  /** Longest wait of an awaited batch for others to share its commit, ms (0: end of turn). */
  windowMs: number;
  /** Longest wait of writes nobody waits for yet, ms. */
  lazyMs: number;
  /** First retry delay after a failed commit, ms; doubles up to `retryMaxMs`. */
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * Run all ops atomically (one transaction). Throw if nothing was committed
   * (the batch is retried). Return an error if the batch was committed but
   * some ops had to be dropped (reported to the callbacks, not retried).
   */
  commit(ops: Op[]): StoreError | undefined;
  /** Whether a batch whose ops were all cancelled must still be committed (for what `commit` adds itself). */
  mustCommit?: () => boolean;
  /** Make everything committed so far durable, then call `done` (undefined: a commit is already durable). */
  sync?: SyncFn;
  /** Syncs allowed to run at once (default 2). */
  maxSyncs?: number;
  /** Longest wait, in eager mode, of a batch whose waiters may all settle by acknowledgements, ms (0 or unset: end of turn). */
  settleWaitMs?: number;
  /** Told about every failed attempt (for logs and counters). */
  onError(err: StoreError, pendingOps: number, attempt: number): void;
  /** Told about the first success after failures. */
  onRecovered(attempts: number): void;
}

export interface GroupCommitCounters {
  commits: number;
  committedOps: number;
  failedCommits: number;
  largestBatch: number;
  /** Inserts dropped with their removal before they were committed. */
  cancelledOps: number;
  syncs: number;
  failedSyncs: number;
}

const NOOP: Op = () => {};

export class GroupCommit {
  readonly counters: GroupCommitCounters = {
    commits: 0, committedOps: 0, failedCommits: 0, largestBatch: 0, cancelledOps: 0, syncs: 0, failedSyncs: 0,
  };
  readonly window: CommitWindow;
  private pending: Op[] = [];
  /** Ops of `pending` cancelled (NOOP): they do not count towards `maxBatchOps`. */
  private cancelledInBatch = 0;
  /** Pending insert of each key: its op's index, or the indexes of it and its updates (one number until an update comes). */
  private keys = new Map<string, number | number[]>();
  private waiting: Waiter[] = [];
  /** Keys of rows whose removal settles a waiter. */
  private watchers = new Map<string, Waiter>();
  /** Waiters of the open batch still waiting: with keys (may settle) and without. */
  private batchKeyed = 0;
  private batchPlain = 0;
  /** The open batch's timer is the settle wait (not the commit window's). */
  private settleWaiting = false;
  /** When the settle wait of the open batch began, and its first waiter not yet looked at (`waiting` index). */
  private settleSince = 0;
  private settleHead = 0;
  private readonly syncs: SyncQueue;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private timerIsWindow = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failure: StoreError | undefined;
  private attempts = 0;
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions) {
    this.window = new CommitWindow(opts.windowMs);
    this.syncs = new SyncQueue(opts.sync, opts.maxSyncs ?? 2, this.counters, (w, err) => this.release(w, err));
  }

  get pendingOps(): number {
    return this.pending.length;
  }

  /** The error of the last attempt while a failed batch is waiting for retry. */
  get lastFailure(): StoreError | undefined {
    return this.failure;
  }

  push(op: Op, options?: WriteOptions): void {
    if (this.closed) throw new StoreError('store is closed', ERR.STORE_CLOSED);
    const at = this.pending.push(op) - 1;
    if (options?.key !== undefined) {
      if (options.insert) this.keys.set(options.key, at);
      else {
        const have = this.keys.get(options.key);
        if (typeof have === 'number') this.keys.set(options.key, [have, at]);
        else have?.push(at);
      }
    }
    if (this.failure !== undefined) return; // the retry timer owns the next attempt
    if (this.pending.length - this.cancelledInBatch > this.opts.maxBatchOps) {
      this.flush();
      return;
    }
    this.schedule(false, this.opts.lazyMs);
  }

  /** Drop a pending insert registered under `key`, and its updates. True when there was one to drop. */
  cancel(key: string): boolean {
    const at = this.keys.get(key);
    if (at === undefined) return false;
    let n = 1;
    if (typeof at === 'number') this.pending[at] = NOOP;
    else {
      for (const i of at) this.pending[i] = NOOP;
      n = at.length;
    }
    this.cancelledInBatch += n;
    this.keys.delete(key);
    this.counters.cancelledOps += n;
    return true;
  }

  /**
   * Call `cb` once every write queued so far is durable, or, with `keys`
   * (rows of the caller's message in flight to connected receivers, its only
   * writes), as soon as each of them was settled, whichever comes first.
   * `urgent`: something is stalled until then; commit at the end of the turn.
   */
  whenDurable(cb: DurableCallback, opts?: { keys?: readonly string[] | undefined; urgent?: boolean | undefined }): void {
    if (this.closed) {
      queueMicrotask(() => cb(new StoreError('store is closed', ERR.STORE_CLOSED)));
      return;
    }
    const keys = opts?.keys;
    const w = new Waiter(cb, keys !== undefined && keys.length > 0 ? keys : undefined);
    if (w.keys) for (const key of w.keys) this.watchers.set(key, w);
    if (this.pending.length > 0) {
      w.inBatch = true;
      this.waiting.push(w);
      if (w.keys) this.batchKeyed++;
      else this.batchPlain++;
      if (this.failure === undefined) this.openWindow(w.keys !== undefined, opts?.urgent === true);
    } else {
      this.syncs.add([w], undefined);
    }
  }

  /**
   * The row under `key` was removed (its receiver acknowledged it, or it was
   * dropped): a waiter whose rows are all settled no longer needs them durable.
   */
  settle(key: string): void {
    const w = this.watchers.get(key);
    if (w === undefined) return;
    this.watchers.delete(key);
    if (--w.left > 0 || w.done) return;
    this.release(w, undefined);
    if (!w.inBatch) return;
    w.inBatch = false;
    if (--this.batchKeyed === 0 && this.batchPlain === 0 && this.timerIsWindow) {
      // nobody waits for the open batch any more: what is left is written lazily
      this.clearTimers();
      this.window.committed();
      this.settleWaiting = false;
      if (this.pending.length > 0) this.schedule(false, this.opts.lazyMs);
    }
  }

  /**
   * Commit everything queued now (also used before reads and by tests after
   * freeing space). Returns the error of the attempt: if nothing was
   * committed the ops stay queued and a retry is scheduled; if single bad ops
   * were dropped the rest is committed and the error says so.
   */
  flush(): StoreError | undefined {
    this.clearTimers();
    this.window.committed();
    const callbacks: Waiter[] = [];
    for (const w of this.waiting) {
      w.inBatch = false;
      if (!w.done) callbacks.push(w);
    }
    this.waiting = [];
    this.batchKeyed = this.batchPlain = 0;
    this.settleWaiting = false;
    this.settleHead = 0;
    const ops = this.pending.filter((op) => op !== NOOP);
    if (ops.length === 0 && !(this.pending.length > 0 && this.opts.mustCommit?.())) {
      this.pending = [];
      this.cancelledInBatch = 0;
      this.keys.clear();
      this.syncs.add(callbacks, undefined);
      return undefined;
    }
    let error: StoreError | undefined;
    let committed = false;
    try {
      error = this.opts.commit(ops);
      committed = true;
    } catch (err) {
      error = err instanceof StoreError ? err : new StoreError(String(err), ERR.STORE, { cause: err });
    }
    if (!committed) {
      error ??= new StoreError('commit failed', ERR.STORE);
      this.counters.failedCommits++;
      this.failure = error;
      this.attempts++;
      this.opts.onError(error, this.pending.length, this.attempts);
      if (!this.closed) this.scheduleRetry();
      for (const w of callbacks) queueMicrotask(() => this.release(w, error));
      return error;
    }
    this.cancelledInBatch = 0;
    this.pending = []; // ops cannot enqueue more ops, so nothing arrived meanwhile
    this.keys.clear();
    this.syncs.committed();
    this.counters.commits++;
    this.counters.committedOps += ops.length;
    if (ops.length > this.counters.largestBatch) this.counters.largestBatch = ops.length;
    if (this.failure !== undefined) this.opts.onRecovered(this.attempts);
    this.failure = undefined;
    this.attempts = 0;
    this.syncs.add(callbacks, error);
    return error;
  }

  /**
   * Stop accepting writes: one last commit attempt and, with a sync
   * function, `finalSync` (a synchronous one); then fail whatever is still
   * waiting. Returns the number of ops that could not be committed.
   */
  close(finalSync?: () => void): number {
    if (this.closed) return 0;
    const error = this.flush();
    this.closed = true;
    this.clearTimers();
    const lost = this.pending.length;
    this.pending = [];
    this.syncs.close(finalSync);
    const callbacks = this.waiting;
    this.waiting = [];
    const err = error ?? new StoreError('store is closed', ERR.STORE_CLOSED);
    for (const w of callbacks) queueMicrotask(() => this.release(w, err));
    return lost;
  }

  /** Run a waiter's callback, once. */
  private release(w: Waiter, err: Error | undefined): void {
    if (w.done) return;
    w.done = true;
    if (w.keys) for (const key of w.keys) if (this.watchers.get(key) === w) this.watchers.delete(key);
    w.cb(err);
  }

  /**
   * Someone waits for the queued writes: open the commit window (or join the
   * open one). A batch that would be committed at the end of its turn waits
   * up to `settleWaitMs` instead while all its waiters may settle; the first
   * waiter that cannot brings the commit back to the end of the turn, and
   * an urgent one does so in any batch.
   */
  private openWindow(maySettle: boolean, urgent: boolean): void {
    const delay = this.window.arrival(performance.now());
    const settleMs = this.opts.settleWaitMs ?? 0;
    if (delay === undefined) {
      if ((this.settleWaiting && !maySettle) || (urgent && this.timerIsWindow)) {
        this.clearTimers();
        this.schedule(true, 0);
      }
      return;
    }
    if (urgent) {
      this.schedule(true, 0);
      return;
    }
    if (delay === 0 && maySettle && settleMs > 0) {
      this.schedule(true, settleMs);
      this.settleWaiting = true;
      this.settleSince = performance.now();
    } else this.schedule(true, delay);
  }

  /** Arm the commit timer; a window timer replaces a later lazy one, never the other way round. */
  private schedule(window: boolean, delayMs: number): void {
    if (this.timer !== undefined && (this.timerIsWindow || !window)) return;
    this.clearTimers();
    this.timerIsWindow = window;
    this.timer = delayMs > 0 ? setTimeout(this.onTimer, delayMs) : setImmediate(this.onTimer);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.settleWaiting && this.settleLonger()) return;
    this.flush();
  };

  /**
   * The settle wait ended: each waiter may wait `settleWaitMs` from its own
   * arrival, so while the oldest one still waiting is younger (its receivers
   * answer in order, the older ones have), wait on, up to `lazyMs` for the
   * batch. True when it waits on.
   */
  private settleLonger(): boolean {
    const waiting = this.waiting;
    while (this.settleHead < waiting.length && waiting[this.settleHead]!.done) this.settleHead++;
    const oldest = waiting[this.settleHead];
    if (oldest === undefined || oldest.keys === undefined) return false;
    const due = Math.min(oldest.at + this.opts.settleWaitMs!, this.settleSince + this.opts.lazyMs);
    const left = due - performance.now();
    if (left < 1) return false;
    this.timerIsWindow = true;
    this.timer = setTimeout(this.onTimer, left);
    return true;
  }

  private scheduleRetry(): void {
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryInitialMs * 2 ** (this.attempts - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, delay);
  }

  private clearTimers(): void {
    this.settleWaiting = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.timerIsWindow = false;
    this.retryTimer = undefined;
  }
}
