/**
 * The ACL read check (`authorizeRead`), asked when a message is routed to a
 * session and again when a queued or in-flight message is actually sent:
 * rules reloaded by SIGHUP apply to what was queued before (mosquitto checks
 * a session's queues when its client comes back, connection_check_acl).
 */
import type { OutboundEntry } from '../persistence/types.js';
import type { BrokerContext } from './context.js';
import type { Session } from './session.js';

/** May the session's client receive a message on `topic` now? True when no ACL is configured. */
export function mayRead(broker: BrokerContext, session: Session, topic: string): boolean {
  const hook = broker.hooks.authorizeRead;
  if (!hook) return true;
  const conn = session.connection;
  return hook(
    { clientId: session.clientId, username: conn?.username ?? session.username, remoteAddress: conn?.remoteAddress ?? '', listener: conn?.listenerName ?? '', listenerIndex: conn?.listenerIndex ?? session.listenerIndex },
    topic,
  );
}

/** Count and log a stored message dropped because the client may no longer read its topic (the caller removes it). */
export function droppedUnreadable(broker: BrokerContext, session: Session, entry: OutboundEntry): void {
  broker.stats.droppedNotAuthorized++;
  if (broker.log.isLevelEnabled('debug')) {
    broker.log.debug({ clientId: session.clientId, topic: entry.message.topic, qos: entry.qos }, 'queued message dropped: read access revoked by the ACL');
  }
}
