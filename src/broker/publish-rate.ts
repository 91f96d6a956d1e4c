/**
 * Per-client PUBLISH rate limit (`listeners[].max_publish_rate`): a token
 * bucket refilled at the configured rate, holding at most one second worth
 * of messages (so short bursts pass). Above the rate an MQTT 5 client is
 * disconnected with 0x96 Message rate too high; a 3.1.1 client, which has
 * no way to be told, has the message dropped (logged, QoS 1/2 still
 * acknowledged so it does not resend it forever).
 */
import type { IPublishPacket } from 'mqtt-packet';
import { ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';
import type { Connection } from './connection.js';

/** At most one "dropping" log line per client per this many ms. */
const LOG_EVERY_MS = 10_000;

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

/** Handle a PUBLISH that came in above the client's rate. */
export function publishRateExceeded(conn: Connection, limiter: PublishRateLimiter, packet: IPublishPacket): void {
  if (conn.protocolVersion === 5) {
    throw new ProtocolError(`publish rate above max_publish_rate ${limiter.rate}/s`, RC.MESSAGE_RATE_TOO_HIGH);
  }
  limiter.dropped++;
  conn.broker.stats.publishDropped++;
  const now = performance.now();
  if (now - limiter.lastLog >= LOG_EVERY_MS) {
    conn.log.warn({ clientId: conn.clientId, rate: limiter.rate, dropped: limiter.dropped }, `client above max_publish_rate ${limiter.rate}/s; dropping messages`);
    limiter.lastLog = now;
    limiter.dropped = 0;
  }
  if (packet.qos === 0) return;
  const ack = { cmd: packet.qos === 1 ? ('puback' as const) : ('pubrec' as const), messageId: packet.messageId };
  if (conn.pendingDurableAcks === 0) {
    conn.send(ack);
    return;
  }
  conn.pendingDurableAcks++;
  conn.broker.store.whenDurable(() => {
    conn.pendingDurableAcks--;
    conn.send(ack);
  });
}
