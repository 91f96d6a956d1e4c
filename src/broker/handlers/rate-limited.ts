/**
 * A PUBLISH that came in above the client's `max_publish_rate` (the bucket
 * is `publish-rate.ts`): an MQTT 5 client is disconnected with 0x96 Message
 * rate too high; a 3.1.1 client has the message dropped (logged, QoS 1/2
 * still acknowledged so it does not resend it forever).
 */
import type { IPublishPacket } from 'mqtt-packet';
import { ProtocolError } from '../../errors.js';
import { RC } from '../../reason-codes.js';
import type { ConnectionContext } from '../context.js';
import type { PublishRateLimiter } from '../publish-rate.js';

/** At most one "dropping" log line per client per this many ms. */
const LOG_EVERY_MS = 10_000;

/** Handle a PUBLISH that came in above the client's rate. */
export function publishRateExceeded(conn: ConnectionContext, limiter: PublishRateLimiter, packet: IPublishPacket): void {
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
  conn.acks.send(() => conn.send(ack)); // behind acknowledgements still waiting for the store [MQTT-4.6.0-2]
}
