/**
 * Reconnect delays with "decorrelated jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015; mosquitto's bridge__backoff_step
 * for `restart_timeout base cap`):
 *
 *   sleep = min(cap, random_between(base, sleep * 3)),  sleep starts at base
 *
 * The random source is injectable so tests can seed it. After a connection
 * that stayed up for `stableMs`, the delay goes back to `base` (mosquitto's
 * bridge__backoff_reset), so a flapping link keeps backing off while a link
 * that was healthy for a while reconnects quickly.
 */
import { ERR, BridgeError } from '../errors.js';

/** A random number in [0, 1), like Math.random. */
export type RandomSource = () => number;

export interface BackoffOptions {
  /** First and smallest delay (ms); mosquitto's default base is 5 s. */
  baseMs: number;
  /** Largest delay (ms); mosquitto's default cap is 30 s. */
  capMs: number;
  /** A connection that lasted this long resets the delay to base. Default: capMs. */
  stableMs?: number;
  random?: RandomSource;
}

/** One decorrelated-jitter step from the previous delay; pure given `random`. */
export function decorrelatedJitter(prevMs: number, baseMs: number, capMs: number, random: RandomSource): number {
  const high = Math.max(baseMs, prevMs * 3);
  const r = random();
  const unit = r >= 0 && r < 1 ? r : 0; // a broken source must not produce NaN or negative delays
  return Math.min(capMs, baseMs + unit * (high - baseMs));
}

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly stableMs: number;
  private readonly random: RandomSource;
  private sleepMs: number;
  private attemptCount = 0;
  private connectedAt: number | undefined;

  constructor(options: BackoffOptions) {
    const { baseMs, capMs } = options;
    if (!(Number.isFinite(baseMs) && baseMs > 0)) throw new BridgeError(`backoff base must be > 0 ms, got ${baseMs}`, ERR.BRIDGE_CONFIG);
    if (!(Number.isFinite(capMs) && capMs >= baseMs)) throw new BridgeError(`backoff cap must be >= base (${baseMs} ms), got ${capMs}`, ERR.BRIDGE_CONFIG);
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.stableMs = options.stableMs ?? capMs;
    this.random = options.random ?? Math.random;
    this.sleepMs = baseMs;
  }

  /** The delay to wait before the next connection attempt; each call grows it. */
  next(): number {
    this.sleepMs = decorrelatedJitter(this.sleepMs, this.baseMs, this.capMs, this.random);
    this.attemptCount++;
    return this.sleepMs;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attemptCount;
  }

  /** Back to base, as after a stable connection. */
  reset(): void {
    this.sleepMs = this.baseMs;
    this.attemptCount = 0;
  }

  /** Record that a connection came up at `nowMs`. */
  connected(nowMs: number): void {
    this.connectedAt = nowMs;
  }

  /**
   * Record that the connection went down at `nowMs` and return the delay
   * before reconnecting; resets first when the connection had been stable.
   */
  disconnected(nowMs: number): number {
    if (this.connectedAt !== undefined && nowMs - this.connectedAt >= this.stableMs) this.reset();
    this.connectedAt = undefined;
    return this.next();
  }
}
