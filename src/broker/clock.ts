/**
 * Broker time: wall-clock milliseconds that advance with the monotonic
 * clock. Session expiry, message expiry and retained-message expiry compare
 * against it, so a step of the system clock (NTP correcting a board without
 * RTC that booted in 1970 or at its last shutdown time, or an operator's
 * `date -s`) does not expire everything at once, or keep it forever.
 *
 * Timestamps are stored as wall-clock ms so that time spent down counts
 * towards expiry after a restart. When the sweep sees the wall clock step
 * (`checkStep`), the clock is re-anchored to the new wall time and every
 * timestamp taken before the step is shifted by the same amount, in memory
 * and in the store (see `clock-step.ts`): the step is treated as time that
 * did not pass.
 */

export interface TimeSources {
  /** Wall clock, ms since the epoch (Date.now). */
  wall(): number;
  /** Monotonic clock, ms from an arbitrary origin (performance.now). */
  monotonic(): number;
}

export const SYSTEM_TIME: TimeSources = { wall: () => Date.now(), monotonic: () => performance.now() };

/** A wall clock moving this much against the monotonic one between two checks is a step, not drift. */
export const STEP_THRESHOLD_MS = 2000;

export class BrokerClock {
  /** wall - monotonic at the last anchoring. */
  private base: number;

  constructor(private readonly sources: TimeSources = SYSTEM_TIME) {
    this.base = sources.wall() - sources.monotonic();
  }

  /** Now, in wall-clock ms as of the last anchoring, advancing monotonically. */
  now(): number {
    return this.sources.monotonic() + this.base;
  }

  /**
   * How far the wall clock stepped since the last call (positive: forward),
   * or 0. A step re-anchors the clock, so `now()` jumps by the returned
   * amount: callers shift the timestamps they hold by it.
   */
  checkStep(): number {
    const step = this.sources.wall() - this.now();
    if (Math.abs(step) < STEP_THRESHOLD_MS) return 0;
    this.base += step;
    return step;
  }
}
