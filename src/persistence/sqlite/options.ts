/** Options of the SQLite store and the logger it reports through. */

/** The subset of a pino logger the store uses (pino's `Logger` satisfies it). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SqliteStoreOptions {
  /** Database file; created if missing. Its directory must exist. */
  file: string;
  /** Where corruption, disk-full and recovery events are reported. Default: stderr. */
  logger?: StoreLogger;
  /**
   * `full` (default): a `whenDurable` callback runs once its writes are on
   * stable storage (power-cut safe). `normal`: once they are committed, which
   * survives a crash of the process but not a power cut.
   */
  synchronous?: 'normal' | 'full';
  /** Longest wait of an awaited commit for others to share its flush, ms (see commit-window.ts). Default 300. */
  commitWindowMs?: number;
  /**
   * Longest wait, while commits are eager (closed-loop publishers), of a
   * batch whose waiters may all be settled by their receivers'
   * acknowledgements before it is written, ms (group-commit.ts). Default 20; 0: end of turn.
   */
  settleWaitMs?: number;
  /** Longest wait of writes nobody waits for, ms. Default 1000. */
  lazyMs?: number;
  /** Commit synchronously once more than this many writes are queued in one turn. Default 5000. */
  maxBatchOps?: number;
  /** `PRAGMA max_page_count` — caps the file size in pages (tests use it to simulate a full disk). */
  maxPageCount?: number;
  /** First retry delay after a failed commit (ms, doubles each time). Default 50. */
  retryInitialMs?: number;
  /** Longest retry delay (ms). Default 2000. */
  retryMaxMs?: number;
  /** Run `PRAGMA quick_check` at open so a damaged file is set aside before it is used. Default true. */
  integrityCheck?: boolean;
}

export interface SqliteStoreStats {
  /** Transactions committed. */
  commits: number;
  /** Write operations committed. */
  committedOps: number;
  /** Commit attempts that failed (each is retried). */
  failedCommits: number;
  /** Failed attempts that were disk full / I/O errors (`GW_ERR_STORE_FULL`). */
  storeFullErrors: number;
  /** Ops dropped because they failed on their own (never for full/busy/corrupt). */
  droppedOps: number;
  largestBatch: number;
  /** Inserts (and their updates) dropped because the row was removed before it was committed. */
  cancelledOps: number;
  /** WAL syncs run (each makes every commit before it durable) and failed. */
  syncs: number;
  failedSyncs: number;
  /** The commit window's current mode (commit-window.ts). */
  commitMode: 'patient' | 'eager';
  /** Writes queued, not yet committed. */
  pendingOps: number;
  /** True while a failed batch waits for its retry. */
  failing: boolean;
  lastError: { code: string; message: string; at: number } | undefined;
  journalMode: string;
  synchronous: 'normal' | 'full';
  schemaVersion: number;
  /** Set when a corrupt file was moved aside at open. */
  movedAside: string | undefined;
  /** WAL checkpoints (checkpointer.ts); undefined where SQLite runs them inside commits (`synchronous: normal`). */
  checkpoints: CheckpointCounters | undefined;
}

export interface CheckpointCounters {
  /** Checkpoints run by the worker thread. */
  background: number;
  /** Checkpoints run on the store's connection (WAL too long, or no worker). */
  blocking: number;
  /** Worker runs that failed. */
  failed: number;
}

export const DEFAULT_MAX_BATCH_OPS = 5000;
export const DEFAULT_COMMIT_WINDOW_MS = 300;
export const DEFAULT_LAZY_MS = 1000;
export const DEFAULT_SETTLE_WAIT_MS = 20;
export const DEFAULT_RETRY_INITIAL_MS = 50;
export const DEFAULT_RETRY_MAX_MS = 2000;

/** Fallback logger: one JSON line per event on stderr. */
export const stderrLogger: StoreLogger = {
  info: (obj, msg) => write('info', obj, msg),
  warn: (obj, msg) => write('warn', obj, msg),
  error: (obj, msg) => write('error', obj, msg),
};

function write(level: string, obj: object, msg: string | undefined): void {
  const fields = Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? { message: v.message, code: (v as { code?: unknown }).code } : v]),
  );
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), ...fields, msg })}\n`);
}
