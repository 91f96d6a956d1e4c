/**
 * Committed but not yet durable: waiters whose writes are committed wait
 * here for a sync (the SQLite store's fdatasync of its WAL in the thread
 * pool) that started after their commit. Up to `maxSyncs` syncs run at once
 * (default 2): a commit made while one runs starts the second at once
 * instead of waiting for the first to end, which roughly halves the wait of
 * a publisher that keeps its window full; the kernel merges the device cache
 * flushes of overlapping syncs. Every commit made while all of them run
 * shares the next one. Any sync that ends releases everything committed
 * before it started. After a failed sync, no sync running at the time is
 * trusted (Linux reports a writeback error once: a concurrent sync may
 * return success for pages that were lost), so their waiters get the error
 * too. Waiters released meanwhile by their receivers (settled) need no sync.
 */
import { ERR, StoreError } from '../../errors.js';
import type { Waiter } from './waiter.js';

export type SyncFn = (done: (err?: Error) => void) => void;

export class SyncQueue {
  private unsynced: Array<{ gen: number; w: Waiter }> = [];
  private commitGen = 0;
  private syncedGen = 0;
  /** The newest commit a started sync covers. */
  private startedGen = 0;
  /** Syncs running now. */
  private syncing = 0;
  /** Failed syncs so far: a sync that saw one fail while it ran is not trusted. */
  private syncFailures = 0;

  constructor(
    private readonly sync: SyncFn | undefined,
    private readonly maxSyncs: number,
    private readonly counters: { syncs: number; failedSyncs: number },
    private readonly release: (w: Waiter, err: Error | undefined) => void,
  ) {}

  /** A batch was committed. */
  committed(): void {
    this.commitGen++;
  }

  /** Release `waiters`, whose writes are committed, once those commits are synced (at once after an error or without a sync). */
  add(waiters: Waiter[], error: StoreError | undefined): void {
    if (waiters.length === 0) return;
    if (error !== undefined || this.sync === undefined || this.syncedGen === this.commitGen) {
      for (const w of waiters) queueMicrotask(() => this.release(w, error));
      return;
    }
    for (const w of waiters) this.unsynced.push({ gen: this.commitGen, w });
    this.start();
  }

  /** At close: `finalSync` (synchronous) if anything is unsynced, then release every waiter. */
  close(finalSync: (() => void) | undefined): void {
    let syncError: Error | undefined;
    if (this.unsynced.length > 0 || this.syncedGen < this.commitGen) {
      try {
        finalSync?.();
        this.syncedGen = this.commitGen;
      } catch (err) {
        syncError = err as Error;
      }
    }
    for (const { w } of this.unsynced.splice(0)) queueMicrotask(() => this.release(w, syncError));
  }

  /**
   * Start a sync for commits no running sync covers, unless `maxSyncs` run
   * already (commits made meanwhile share the next).
   */
  private start(): void {
    if (this.syncing >= this.maxSyncs) return;
    // waiters that settled meanwhile need no sync: their rows are with the receivers
    if (this.unsynced.some((u) => u.w.done)) this.unsynced = this.unsynced.filter((u) => !u.w.done);
    if (this.unsynced.length === 0) return;
    const gen = this.commitGen;
    if (gen <= this.startedGen) return; // a running sync already covers every commit waited for
    this.startedGen = gen;
    this.syncing++;
    const failuresBefore = this.syncFailures;
    this.sync!((syncErr) => {
      this.syncing--;
      this.counters.syncs++;
      if (syncErr) {
        this.counters.failedSyncs++;
        this.syncFailures++;
      }
      // a sync that overlapped a failed one may report success for lost pages: not trusted
      const err = syncErr ?? (this.syncFailures !== failuresBefore ? new Error('a concurrent sync failed') : undefined);
      if (!err && gen > this.syncedGen) this.syncedGen = gen;
      const done: Waiter[] = [];
      let keep = 0;
      for (const u of this.unsynced) {
        if (u.gen <= gen) done.push(u.w);
        else this.unsynced[keep++] = u;
      }
      this.unsynced.length = keep;
      const failed = err ? new StoreError(`sync failed: ${err.message}`, ERR.STORE, { cause: err }) : undefined;
      for (const w of done) this.release(w, failed);
      this.start();
    });
  }
}
