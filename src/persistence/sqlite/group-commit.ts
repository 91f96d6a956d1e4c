/**
 * Group commit: writes issued during one event-loop turn are queued and
 * committed together in ONE transaction, flushed from `setImmediate` (or
 * synchronously as soon as more than `maxBatchOps` are queued). After each
 * commit attempt every `whenDurable` callback registered up to then is
 * called, in registration order, always asynchronously (one microtask each),
 * with `undefined` on success or the `StoreError` on failure.
 *
 * A failed batch is NOT dropped: its ops stay queued (later writes append
 * behind them, preserving order) and the batch is retried with exponential
 * backoff until it commits. Callbacks that saw an error must treat their
 * writes as not durable (the broker refuses the PUBLISH instead of
 * acknowledging it); a later successful retry may still commit them, which
 * is harmless (the client resends, QoS 1/2 tolerate that). Nothing that was
 * reported durable is ever lost, and the journal stays an exact prefix of
 * the broker's history.
 */
import { StoreError } from '../../errors.js';

export type Op = () => void;
export type DurableCallback = (err?: Error) => void;

export interface GroupCommitOptions {
  /** Commit synchronously once more than this many ops are queued. */
  maxBatchOps: number;
  /** First retry delay after a failed commit, ms; doubles up to `retryMaxMs`. */
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * Run all ops atomically (one transaction). Throw if nothing was committed
   * (the batch is retried). Return an error if the batch was committed but
   * some ops had to be dropped (reported to the callbacks, not retried).
   */
  commit(ops: Op[]): StoreError | undefined;
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
}

export class GroupCommit {
  readonly counters: GroupCommitCounters = { commits: 0, committedOps: 0, failedCommits: 0, largestBatch: 0 };
  private pending: Op[] = [];
  private waiting: DurableCallback[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failure: StoreError | undefined;
  private attempts = 0;
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions) {}

  get pendingOps(): number {
    return this.pending.length;
  }

  /** The error of the last attempt while a failed batch is waiting for retry. */
  get lastFailure(): StoreError | undefined {
    return this.failure;
  }

  push(op: Op): void {
    if (this.closed) throw new StoreError('store is closed', 'GW_ERR_STORE_CLOSED');
    this.pending.push(op);
    if (this.failure !== undefined) return; // the retry timer owns the next attempt
    if (this.pending.length > this.opts.maxBatchOps) this.flush();
    else this.immediate ??= setImmediate(this.onImmediate);
  }

  whenDurable(cb: DurableCallback): void {
    if (this.closed) {
      queueMicrotask(() => cb(new StoreError('store is closed', 'GW_ERR_STORE_CLOSED')));
    } else if (this.pending.length === 0) {
      queueMicrotask(() => cb());
    } else {
      this.waiting.push(cb);
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
    if (this.pending.length === 0) return undefined;
    const ops = this.pending;
    const callbacks = this.waiting;
    this.waiting = [];
    let error: StoreError | undefined;
    let committed = false;
    try {
      error = this.opts.commit(ops);
      committed = true;
    } catch (err) {
      error = err instanceof StoreError ? err : new StoreError(String(err), 'GW_ERR_STORE', { cause: err });
    }
    if (committed) {
      this.pending = []; // ops cannot enqueue more ops, so nothing arrived meanwhile
      this.counters.commits++;
      this.counters.committedOps += ops.length;
      if (ops.length > this.counters.largestBatch) this.counters.largestBatch = ops.length;
      if (this.failure !== undefined) this.opts.onRecovered(this.attempts);
      this.failure = undefined;
      this.attempts = 0;
    } else {
      error ??= new StoreError('commit failed', 'GW_ERR_STORE');
      this.counters.failedCommits++;
      this.failure = error;
      this.attempts++;
      this.opts.onError(error, this.pending.length, this.attempts);
      if (!this.closed) this.scheduleRetry();
    }
    for (const cb of callbacks) queueMicrotask(() => cb(error));
    return error;
  }

  /**
   * Stop accepting writes: one last commit attempt, then fail whatever is
   * still waiting. Returns the number of ops that could not be committed.
   */
  close(): number {
    if (this.closed) return 0;
    const error = this.flush();
    this.closed = true;
    this.clearTimers();
    const lost = this.pending.length;
    this.pending = [];
    const callbacks = this.waiting;
    this.waiting = [];
    const err = error ?? new StoreError('store is closed', 'GW_ERR_STORE_CLOSED');
    for (const cb of callbacks) queueMicrotask(() => cb(err));
    return lost;
  }

  private readonly onImmediate = (): void => {
    this.immediate = undefined;
    this.flush();
  };

  private scheduleRetry(): void {
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryInitialMs * 2 ** (this.attempts - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, delay);
  }

  private clearTimers(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.immediate = undefined;
    this.retryTimer = undefined;
  }
}
