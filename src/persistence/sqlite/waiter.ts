/** A `whenDurable` caller of the group commit (group-commit.ts, sync-queue.ts). */
export type DurableCallback = (err?: Error) => void;

/** Released once: by the sync of its writes or, with keys, when all its rows were settled. */
export class Waiter {
  done = false;
  /** performance.now() when it started waiting; only a waiter with keys needs it (the settle wait). */
  readonly at: number;
  /** Waiting in the batch not yet committed. */
  inBatch = false;
  /** Keys not yet settled. */
  left: number;
  constructor(
    readonly cb: DurableCallback,
    readonly keys: readonly string[] | undefined,
  ) {
    this.left = keys?.length ?? 0;
    this.at = keys === undefined ? 0 : performance.now();
  }
}
