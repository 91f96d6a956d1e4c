/**
 * Token bucket rate limiter: `ratePerSec` tokens are added per second up to
 * `burst`; each message takes one token. The clock is injectable (ms), so
 * tests run on a fake clock. The bucket starts full. A clock that goes
 * backwards adds nothing (it never removes tokens either).
 */
import { ERR, BridgeError } from '../errors.js';

export type Clock = () => number;

// Refills are float sums: waiting exactly delayUntilAvailable() must make take() succeed.
const EPSILON = 1e-9;

export interface TokenBucketOptions {
  /** Sustained rate in tokens (messages) per second; > 0. */
  ratePerSec: number;
  /** Bucket size: how many may go at once after an idle period; >= 1. Default: ratePerSec rounded up. */
  burst?: number;
  now?: Clock;
}

export class TokenBucket {
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly now: Clock;
  private tokens: number;
  private last: number;

  constructor(options: TokenBucketOptions) {
    const { ratePerSec } = options;
    if (!(Number.isFinite(ratePerSec) && ratePerSec > 0)) {
      throw new BridgeError(`rate must be a positive number of messages per second, got ${ratePerSec}`, ERR.BRIDGE_CONFIG);
    }
    const burst = options.burst ?? Math.ceil(ratePerSec);
    if (!(Number.isFinite(burst) && burst >= 1)) throw new BridgeError(`burst must be >= 1, got ${burst}`, ERR.BRIDGE_CONFIG);
    this.ratePerSec = ratePerSec;
    this.burst = burst;
    this.now = options.now ?? Date.now;
    this.tokens = burst;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
    }
    this.last = Math.max(this.last, t);
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Take `n` tokens if they are all available now; false (and nothing taken) otherwise. */
  take(n = 1): boolean {
    this.refill();
    if (n > this.tokens + EPSILON) return false;
    this.tokens -= n;
    return true;
  }

  /**
   * Milliseconds until `n` tokens will be available (0 = now), rounded up
   * to a whole ms; Infinity when `n` exceeds the burst and never will be.
   */
  delayUntilAvailable(n = 1): number {
    if (n > this.burst) return Infinity;
    this.refill();
    const missing = n - this.tokens;
    if (missing <= EPSILON) return 0;
    return Math.ceil((missing * 1000) / this.ratePerSec);
  }
}
