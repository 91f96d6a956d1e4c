/**
 * WAL checkpoints off the event loop.
 *
 * A checkpoint copies the pages the WAL holds into the database file and
 * syncs both, after which the WAL starts again from its beginning. SQLite's
 * automatic checkpoint runs inside the commit that crosses its threshold,
 * on the connection that commits: here, the event loop, which then waits
 * for two syncs (measured in the sensor-fleet benchmark: up to 56 ms each,
 * more on an SD card). So the store's connection has automatic checkpoints
 * off, and after each commit `afterCommit` reads the WAL's length in frames
 * from the WAL-index header (`-shm`, SQLite's documented WAL-index format:
 * `mxFrame`, a native-order u32 at byte 16); at `WAL_CHECKPOINT_FRAMES`, a
 * worker thread runs a PASSIVE checkpoint (up to three passes) through its
 * own connection (checkpoint-worker.ts) and exits. The worker lives for the checkpoint
 * only (about 10 MB while it runs).
 *
 * PASSIVE does not stop the store's commits, so under a steady stream the
 * WAL may not be entirely copied when a checkpoint ends, and then it cannot
 * start again from the beginning: it grows. At `4 x WAL_CHECKPOINT_FRAMES`,
 * or when the worker cannot run (it cannot start, or failed three times), the store checkpoints on its own
 * connection as SQLite would have (`blocking` in the counters): nothing
 * commits meanwhile, so the WAL is copied whole and starts again.
 *
 * Durability does not depend on any of this: every acknowledged commit is
 * in the synced WAL (durable-wal.ts), and SQLite syncs the WAL before a
 * checkpoint copies it and the database before the WAL is reused.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { pragmaValue } from './native.js';
import type { CheckpointCounters, StoreLogger } from './options.js';

/** SQLite's default automatic-checkpoint threshold, in WAL frames (pages). */
export const WAL_CHECKPOINT_FRAMES = 1000;
/** WAL length at which the store checkpoints on its own connection. */
const BLOCKING_FRAMES = 4 * WAL_CHECKPOINT_FRAMES;
const MX_FRAME_OFFSET = 16;
/** The WAL-index is in the machine's byte order. */
const LITTLE_ENDIAN = endianness() === 'LE';

export class Checkpointer {
  readonly counters: CheckpointCounters = { background: 0, blocking: 0, failed: 0 };
  private shm: number | undefined;
  private readonly header = Buffer.alloc(4);
  private worker: Worker | undefined;
  private noWorker = false;
  private sqliteDoesIt = false;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly logger: StoreLogger,
  ) {
    pragmaValue(db, 'wal_autocheckpoint = 0');
  }

  /** The WAL's length in frames, from the WAL-index header; undefined if it cannot be read. */
  walFrames(): number | undefined {
    try {
      this.shm ??= openSync(`${this.file}-shm`, 'r');
      if (readSync(this.shm, this.header, 0, 4, MX_FRAME_OFFSET) !== 4) return undefined;
      return LITTLE_ENDIAN ? this.header.readUInt32LE(0) : this.header.readUInt32BE(0);
    } catch {
      return undefined;
    }
  }

  /** Called after each commit: start a checkpoint when the WAL is long enough. */
  afterCommit(): void {
    if (this.closed || this.sqliteDoesIt) return;
    const frames = this.walFrames();
    if (frames === undefined) {
      // no WAL-index to read (not expected in WAL mode): give the job back to SQLite
      this.sqliteDoesIt = true;
      pragmaValue(this.db, `wal_autocheckpoint = ${WAL_CHECKPOINT_FRAMES}`);
      this.logger.warn({ file: this.file }, 'cannot read the WAL-index; WAL checkpoints run inside commits');
      return;
    }
    if (frames < WAL_CHECKPOINT_FRAMES) return;
    if (frames >= BLOCKING_FRAMES || this.noWorker) this.checkpointHere();
    else if (this.worker === undefined) this.startWorker();
  }

  close(): void {
    this.closed = true;
    if (this.shm !== undefined) closeSync(this.shm);
    this.shm = undefined;
    // a checkpoint under way finishes on its own; its connection is closed when it exits
    this.worker?.unref();
  }

  private checkpointHere(): void {
    this.counters.blocking++;
    pragmaValue(this.db, 'wal_checkpoint(PASSIVE)');
  }

  private startWorker(): void {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
        workerData: { file: this.file },
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
      });
    } catch (err) {
      this.noWorker = true;
      this.logger.warn({ file: this.file, err }, 'WAL checkpoints cannot run in a worker thread; they run on the main thread');
      this.checkpointHere();
      return;
    }
    this.worker = worker;
    worker.unref();
    worker.once('message', (result: { error?: string }) => {
      if (result.error === undefined) this.counters.background++;
      else this.fail(new Error(result.error));
    });
    worker.once('error', (err) => this.fail(err));
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
  }

  private fail(err: Error): void {
    this.counters.failed++;
    this.noWorker = this.counters.failed >= 3;
    const next = this.noWorker ? 'from now on checkpoints run on the main thread' : 'the next one starts a new worker';
    this.logger.warn({ file: this.file, err, failed: this.counters.failed }, `background WAL checkpoint failed; ${next}`);
  }
}
