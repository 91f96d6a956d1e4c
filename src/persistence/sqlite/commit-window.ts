/**
 * When to commit: the commit window's policy, pure and clock-driven (the
 * caller passes `performance.now()`), so it is table-tested.
 *
 * On flash, every flush of the log costs at least one 4 KiB block plus
 * metadata, whatever it carries. At a sensor network's rates (a message
 * every 100 ms) committing each message alone writes ~4 KiB per message;
 * letting the first durable write wait up to `windowMs` for others shares
 * one flush between all of them (PostgreSQL's commit_delay). Waiting only
 * pays when more writes really arrive meanwhile, and it costs throughput to
 * a publisher that sends its next message only after the last one was
 * acknowledged (it can never join a batch it is waiting on). So the policy
 * is one of two modes, chosen from what it observes (it starts eager, so a
 * restarted broker serves a closed-loop publisher at full speed at once):
 *
 * - `patient`: a batch is committed `windowMs` after its first write.
 *   Kept while waiting gathers writes that arrived well after the window
 *   opened (an open-loop stream: sensors, a fleet).
 * - `eager`: committed at the end of the event-loop turn (no added latency).
 *   The start, and chosen after `QUIET_WINDOWS` patient windows in a row
 *   gathered nothing late: every write came in the first moment or answered
 *   the last acknowledgements, i.e. the writers were all waiting for them
 *   (closed-loop publishers, a bulk load).
 *   Left again when `MISSES` writes in a row arrived that a window would
 *   have caught and that are not answers to an acknowledgement just sent.
 */

/** A write this long after the window opened counts as gathered by waiting. */
export const LATE_ARRIVAL_MS = 2;
/** Patient windows in a row that gathered nothing late before going eager. */
export const QUIET_WINDOWS = 8;
/** A write this soon after a commit's acknowledgements went out is taken as an answer to them (a busy 2-core box: tens of ms). */
export const ANSWER_MS = 50;
/** Writes in a row that a window would have gathered before going patient again. */
export const MISSES = 2;

export type CommitMode = 'patient' | 'eager';

export class CommitWindow {
  private current: CommitMode;
  private openedAt = -Infinity;
  private open = false;
  private gathered = 0;
  private quiet = 0;
  private misses = 0;
  private lastOpenedAt = -Infinity;
  private lastDoneAt = -Infinity;

  /** `windowMs` 0 turns the window off: every batch is committed at the end of its turn. */
  constructor(readonly windowMs: number) {
    this.current = 'eager';
  }

  get mode(): CommitMode {
    return this.current;
  }

  /**
   * A durable write arrived at `now`. Returns the delay before the batch
   * must be committed when this write opens a new batch (0 = end of turn),
   * or undefined when a batch is already open.
   */
  arrival(now: number): number | undefined {
    if (this.open) {
      // gathered by waiting: late in the window, and not an answer to the last acknowledgements (closed-loop
      // publishers answer a batch of acks over several ms; that is not a stream worth waiting for)
      if (now - this.openedAt >= LATE_ARRIVAL_MS && now - this.lastDoneAt > ANSWER_MS) this.gathered++;
      return undefined;
    }
    if (this.windowMs > 0 && this.current === 'eager') {
      // would a window have caught this write, which nobody was waiting to send?
      this.misses = now - this.lastOpenedAt < this.windowMs && now - this.lastDoneAt > ANSWER_MS ? this.misses + 1 : 0;
      if (this.misses >= MISSES) {
        this.current = 'patient';
        this.quiet = 0;
        this.misses = 0;
      }
    }
    this.open = true;
    this.openedAt = now;
    this.gathered = 0;
    return this.current === 'patient' ? this.windowMs : 0;
  }

  /** The open batch was committed (its window ended, or it filled up). */
  committed(): void {
    if (!this.open) return;
    this.open = false;
    this.lastOpenedAt = this.openedAt;
    if (this.current !== 'patient') return;
    this.quiet = this.gathered > 0 ? 0 : this.quiet + 1;
    if (this.quiet >= QUIET_WINDOWS) this.current = 'eager';
  }

  /** The acknowledgements of a commit went out at `now` (after its sync). */
  acknowledged(now: number): void {
    this.lastDoneAt = now;
  }
}
