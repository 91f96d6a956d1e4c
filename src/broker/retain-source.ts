/**
 * mosquitto's `check_retain_source` (`mqtt.check_retain_source`): a retained
 * message keeps who published it (client id, user name, listener), and a new
 * subscriber gets it only while that publisher may still write its topic
 * under the current ACL, e.g. after a SIGHUP reload removed the right. As
 * mosquitto's retain.c `retain__process`: the broker's own messages (bridges,
 * adapters, `$SYS`) and messages stored without a source are not checked.
 */
import type { MessageSource, RetainedMessage } from '../persistence/types.js';
import type { BrokerContext } from './context.js';
import type { Session } from './session.js';

/** The publisher to keep with a retained message from `session` (its last connection's user name and listener). */
export function sourceOf(session: Session): MessageSource {
  const source: MessageSource = { clientId: session.clientId };
  if (session.username !== undefined) source.username = session.username;
  if (session.listenerIndex !== undefined) source.listenerIndex = session.listenerIndex;
  return source;
}

/** May `message` go to a new subscriber: check_retain_source off, no source, or its publisher may still write it. */
export function sourceMayStillWrite(broker: BrokerContext, message: RetainedMessage): boolean {
  const source = message.source;
  const authorize = broker.hooks.authorizePublish;
  if (!broker.config.mqtt.check_retain_source || !source || !authorize) return true;
  // the publisher as mosquitto rebuilds it (retain_ctxt): id, user name and listener, no connection
  const ok = authorize({ clientId: source.clientId, username: source.username, remoteAddress: '', listener: '', listenerIndex: source.listenerIndex }, message.topic);
  if (!ok && broker.log.isLevelEnabled('debug')) {
    broker.log.debug({ topic: message.topic, publisher: source.clientId, username: source.username }, 'retained message not sent: its publisher may no longer write the topic (check_retain_source)');
  }
  return ok;
}
