/**
 * Keeps V8's young generation from growing during a connection storm.
 *
 * V8 doubles the young generation (up to 16 MB semi-spaces, 32 MB of
 * memory) each time the bytes that survived scavenges since the last
 * growth exceed its size. While thousands of clients connect, nearly
 * everything allocated survives: Connection, Session, net.Socket and its
 * stream states live as long as the client. Growing the young generation
 * for them only adds memory (~2 KB of RSS per connection at 10k idle
 * connections, docs/performance.md "Memory"): they end up in the old
 * generation anyway. Short-lived garbage (messages) is what a larger young
 * generation is for, and that growth is left alone.
 *
 * The size limits (`--max-semi-space-size`) are fixed when the heap is set
 * up and cannot be changed from inside the process, but the growth factor
 * (`--semi-space-growth-factor`, default 2) is read each time V8 grows the
 * young generation. While the number of open connections rises by
 * STORM_CONNECTIONS or more within one sweep interval, it is set to 1 (no
 * growth); the first calm interval restores 2. Connections that come and go
 * (churn) do not count: only the net rise does. The `midge` command gives
 * the guard its flag setter (cli/v8-tuning.ts); an embedding process that
 * does not is left as it is.
 */

/** Net new connections within one sweep interval (500 ms) that make a storm. */
export const STORM_CONNECTIONS = 64;

/** V8's default growth factor (V8 11-13, Node 20-24). */
export const DEFAULT_GROWTH_FACTOR = 2;

/** Sets V8's young-generation growth factor (cli/v8-tuning.ts). */
export type SetGrowthFactor = (factor: number) => void;

/** Inert until given a setter: the process owner (the `midge` command) decides about V8 flags. */
export class YoungGenGuard {
  private setFactor: SetGrowthFactor | undefined;
  private base = 0;
  private held = false;

  constructor(private readonly threshold = STORM_CONNECTIONS) {}

  /** Start acting through `setFactor`. */
  use(setFactor: SetGrowthFactor): void {
    this.setFactor = setFactor;
  }

  /** True while growth is held back. */
  get holding(): boolean {
    return this.held;
  }

  /** A connection was accepted; `open` is the number of open connections now. */
  connected(open: number): void {
    if (this.held || open - this.base < this.threshold || !this.setFactor) return;
    this.held = true;
    this.setFactor(1);
  }

  /** Every sweep interval: a calm interval lets the young generation grow again. */
  tick(open: number): void {
    if (this.held && open - this.base < this.threshold) {
      this.held = false;
      this.setFactor?.(DEFAULT_GROWTH_FACTOR);
    }
    this.base = open;
  }
}
