/**
 * Start-up: rebuild sessions, subscriptions, queues, in-flight state and
 * inbound QoS 2 ids from the store. Time spent down counts towards session
 * and message expiry.
 */
import { storedSize } from '../limits.js';
import type { BrokerContext } from './context.js';
import { Session } from './session.js';

export function restoreSessions(broker: BrokerContext): void {
  const now = broker.clock.now();
  let restored = 0;
  let expired = 0;
  let messages = 0;
  for (const record of broker.store.loadSessions()) {
    const session = new Session(record.clientId, record.protocolVersion, record.expiryInterval);
    session.stored = true;
    // a session that was connected when we went down started expiring then; we only know "now"
    session.disconnectedAt = record.disconnectedAt ?? now;
    if (session.expired(now)) {
      expired++;
      broker.store.deleteSession(record.clientId);
      continue;
    }
    broker.sessions.set(session.clientId, session);
    for (const sub of record.subscriptions) {
      session.subscriptions.set(sub.filter, sub);
      broker.subscriptions.add(session, sub);
    }
    for (const entry of broker.store.loadQueue(session.clientId)) {
      if (entry.message.expiresAt !== undefined && entry.message.expiresAt <= now && entry.state === 'queued') {
        broker.store.removeEntry(session.clientId, entry.seq);
        continue;
      }
      if (entry.state === 'queued' || entry.packetId === undefined) {
        entry.state = 'queued';
        session.queue.push(entry);
        if (entry.qos === 0) session.queuedQos0++;
        session.queuedBytes += entry.message.payload.length;
      } else {
        session.inflight.set(entry.packetId, entry);
      }
      broker.countStored(session, storedSize(entry));
      messages++;
    }
    for (const id of broker.store.loadInboundQos2(session.clientId)) session.inboundQos2.add(id);
    restored++;
  }
  if (restored + expired > 0) {
    broker.log.info({ restored, expired, messages, retained: broker.retained.size }, 'restored persistent sessions');
  }
}
