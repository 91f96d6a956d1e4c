/**
 * The system clock stepped (see clock.ts): shift every timestamp the broker
 * holds by the step, in memory and in the store, so that session expiry,
 * message expiry and retained-message expiry count only the time that
 * really passed.
 */
import type { StoredMessage } from '../persistence/types.js';
import type { BrokerContext } from './context.js';

export function shiftTimes(broker: BrokerContext, deltaMs: number): void {
  const seen = new Set<StoredMessage>(); // one message may sit in many queues
  const shift = (m: StoredMessage) => {
    if (seen.has(m)) return;
    seen.add(m);
    m.receivedAt += deltaMs;
    if (m.expiresAt !== undefined) m.expiresAt += deltaMs;
  };
  for (const session of broker.sessions.values()) {
    if (session.disconnectedAt !== undefined) session.disconnectedAt += deltaMs;
    for (const entry of session.queue) shift(entry.message);
    for (const entry of session.inflight.values()) shift(entry.message);
  }
  broker.retained.forEach(shift);
  broker.store.shiftTimes(deltaMs);
  broker.log.warn(
    { stepSeconds: Math.round(deltaMs / 1000), sessions: broker.sessions.size, messages: seen.size },
    'system clock stepped: session and message expiry keep counting real elapsed time (timestamps shifted by the step)',
  );
}
