/** Events per second over a sliding window of whole seconds (replay rate gauge). */
export class RateMeter {
  private readonly counts: number[];
  private second = 0;

  constructor(
    private readonly windowSec = 5,
    private readonly now: () => number = Date.now,
  ) {
    this.counts = new Array<number>(windowSec).fill(0);
  }

  add(n = 1): void {
    this.advance();
    this.counts[this.second % this.windowSec]! += n;
  }

  /** Average per second over the last full window. */
  rate(): number {
    this.advance();
    let sum = 0;
    for (let i = 1; i <= this.windowSec; i++) sum += this.counts[(this.second - i + this.windowSec * 2) % this.windowSec]!;
    return sum / this.windowSec;
  }

  private advance(): void {
    const s = Math.floor(this.now() / 1000);
    if (this.second === 0) this.second = s;
    for (let k = this.second + 1; k <= s && k <= this.second + this.windowSec; k++) this.counts[k % this.windowSec] = 0;
    if (s > this.second) this.second = s;
  }
}
