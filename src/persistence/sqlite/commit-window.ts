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
 * is one of two modes, chosen from what it observes:
 *
 * - `patient`: a batch is committed `windowMs` after its first write. Kept
 *   while writes keep arriving in the second half of the window: an
 *   open-loop stream (sensors, a fleet) whose writers do not wait for us.
 * - `eager` (the start): committed at the end of the event-loop turn, with
 *   no added latency. Chosen after `QUIET_WINDOWS` patient windows in a row
 *   whose second half brought nothing: every writer had sent what it could
 *   and was waiting for its acknowledgement (closed-loop publishers, a bulk
 *   load), so waiting longer only slows them down.
 *
 * An eager window cannot see whether waiting would have paid, so every
 * `PROBE_EVERY_MS` one batch waits the whole window as a probe: if its
 * second half gathers writes, the policy turns patient. A closed-loop
 * writer pays one window per probe interval; an open-loop stream is found
 * within one.
 */

/** Patient windows in a row whose second half brought nothing before going eager. */
export const QUIET_WINDOWS = 3;
/** How often an eager window waits once, to find out whether an open-loop stream has started. */
export const PROBE_EVERY_MS = 5000;

export type CommitMode = 'patient' | 'eager';

export class CommitWindow {
  private current: CommitMode = 'eager';
  private open = false;
  private openedAt = 0;
  /** The open batch waits the whole window (patient, or an eager probe). */
  private waiting = false;
  private lateWrites = 0;
  private quiet = 0;
  private lastProbeAt = -Infinity;

  /** `windowMs` 0 turns the window off: every batch is committed at the end of its turn. */
  constructor(readonly windowMs: number) {}

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
      if (this.waiting && now - this.openedAt >= this.windowMs / 2) this.lateWrites++;
      return undefined;
    }
    this.open = true;
    this.openedAt = now;
    this.lateWrites = 0;
    this.waiting = this.windowMs > 0 && (this.current === 'patient' || now - this.lastProbeAt >= PROBE_EVERY_MS);
    if (this.waiting && this.current === 'eager') this.lastProbeAt = now;
    return this.waiting ? this.windowMs : 0;
  }

  /** The open batch was committed (its window ended, or it filled up, or a read needed it). */
  committed(): void {
    if (!this.open) return;
    this.open = false;
    if (!this.waiting) return;
    const gathered = this.lateWrites > 0;
    if (this.current === 'eager') {
      if (gathered) {
        this.current = 'patient'; // the probe found an open-loop stream
        this.quiet = 0;
      }
      return;
    }
    this.quiet = gathered ? 0 : this.quiet + 1;
    if (this.quiet >= QUIET_WINDOWS) {
      this.current = 'eager';
      this.lastProbeAt = this.openedAt;
    }
  }
}
