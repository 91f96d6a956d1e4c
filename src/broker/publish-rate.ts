/**
 * Per-client PUBLISH rate limit (`listeners[].max_publish_rate`): a token
 * bucket refilled at the configured rate, holding at most one second worth
 * of messages (so short bursts pass). Above the rate an MQTT 5 client is
 * disconnected with 0x96 Message rate too high; a 3.1.1 client, which has
 * no way to be told, has the message dropped (logged, QoS 1/2 still
 * acknowledged so it does not resend it forever): `handlers/rate-limited.ts`.
 */
export class PublishRateLimiter {
  private tokens: number;
  private last = performance.now();
  /** Messages dropped (3.1.1) since the last log line. */
  dropped = 0;
  lastLog = -Infinity;

  constructor(readonly rate: number) {
    this.tokens = rate;
  }

  /** Take one token; false when the client is above the rate. */
  take(now = performance.now()): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    // a token earned across several partial refills can come out as 0.999...: allow for float rounding
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }
}
