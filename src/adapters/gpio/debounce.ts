/**
 * Turns raw physical levels of an input into published transitions: a new
 * level counts once it stayed unchanged for `debounceMs` (every bounce
 * restarts the wait), active-low inverts, `edge` filters which transitions
 * are reported, and every OFF→ON transition is counted (pulse meters).
 */
import type { Level } from './driver.js';

export interface DebounceOptions {
  debounceMs: number;
  activeLow: boolean;
  edge: 'both' | 'rising' | 'falling';
  /** A stable transition passed the edge filter: the new logical state. */
  onState: (on: boolean) => void;
  /** Every stable OFF→ON transition, whatever the edge filter. */
  onPulse?: () => void;
}

export class DebouncedInput {
  private stable: boolean | undefined;
  private pending: Level | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Raw changes seen, bounces included. */
  rawChanges = 0;
  /** Stable transitions (after debounce). */
  transitions = 0;

  constructor(private readonly options: DebounceOptions) {}

  /** The level read when the line was opened: sets the state without counting a pulse. */
  init(level: Level): boolean {
    this.stable = this.logical(level);
    return this.stable;
  }

  get state(): boolean | undefined {
    return this.stable;
  }

  /** A raw level from the driver (interrupt or poll). */
  raw(level: Level): void {
    this.rawChanges++;
    if (this.options.debounceMs === 0) {
      this.settle(level);
      return;
    }
    this.pending = level;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending !== undefined) this.settle(this.pending);
    }, this.options.debounceMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(level: Level): void {
    const on = this.logical(level);
    if (on === this.stable) return;
    this.stable = on;
    this.transitions++;
    if (on) this.options.onPulse?.();
    const edge = this.options.edge;
    if (edge === 'both' || (edge === 'rising') === on) this.options.onState(on);
  }

  private logical(level: Level): boolean {
    return (level === 1) !== this.options.activeLow;
  }
}
