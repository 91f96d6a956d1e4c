/**
 * SUBSCRIBE [MQTT-3.8]: validate each filter, apply limits and ACLs, add or
 * replace the subscription, answer SUBACK with one code per filter in order
 * [MQTT-3.8.4-1] [MQTT-3.9.3-1], then send matching retained messages as the
 * Retain Handling option says [MQTT-3.3.1-9..11]. A persistent session's
 * SUBACK waits until the changed subscriptions are durable.
 */
import type { ISubscribePacket } from 'mqtt-packet';
import { MalformedPacketError, ProtocolError } from '../../errors.js';
import type { QoS, SubscriptionRecord } from '../../persistence/types.js';
import { RC, subackCodeFor } from '../../reason-codes.js';
import { hasWildcard, parseSharedFilter, validateTopicFilter } from '../../topics/index.js';
import { refuseIllFormed } from './topic-filter.js';
import type { ConnectionContext } from '../context.js';
import { deliver } from '../delivery.js';
import { mountFilter } from '../mount-point.js';
import { sourceMayStillWrite } from '../retain-source.js';

export function handleSubscribe(conn: ConnectionContext, packet: ISubscribePacket): void {
  const broker = conn.broker;
  const cfg = broker.config.mqtt;
  const session = conn.session!;
  const v5 = conn.protocolVersion === 5;
  if (!packet.messageId) throw new ProtocolError('SUBSCRIBE without packet identifier'); // [MQTT-2.2.1-3]
  // [MQTT-3.8.3-3] at least one filter (mqtt-packet lets a body of 1 byte through with none)
  if (packet.subscriptions.length === 0) throw new MalformedPacketError('SUBSCRIBE without a topic filter');
  const subId = v5 ? packet.properties?.subscriptionIdentifier : undefined;
  if (subId !== undefined) {
    if (subId === 0) throw new ProtocolError('subscription identifier 0'); // [MQTT-3.8.2-? 3.8.2.1.2]
    if (!cfg.subscription_identifiers_available) {
      throw new ProtocolError('subscription identifiers not supported', RC.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED);
    }
  }
  // [MQTT-3.8.3-4] No Local on a shared subscription: refuse the whole packet before changing anything
  if (packet.subscriptions.some((s) => s.nl && parseSharedFilter(s.topic))) throw new ProtocolError('No Local on a shared subscription');
  const info = broker.hooks.authorizeSubscribe ? broker.clientInfo(conn) : null;
  const granted: number[] = [];
  const retainedFor: Array<{ sub: SubscriptionRecord; existed: boolean }> = [];
  let changed = false;
  // [MQTT-4.7.3-1] [MQTT-4.7.1-1..3] an empty or ill-formed filter is a Malformed Packet (mosquitto: the same)
  for (const s of packet.subscriptions) refuseIllFormed(s.topic);
  for (const s of packet.subscriptions) {
    const filter = mountFilter(conn.mountPoint, s.topic); // listener mount_point
    const shared = parseSharedFilter(filter);
    let code: number;
    const invalid = validateTopicFilter(s.topic, { maxLevels: cfg.max_topic_levels || undefined });
    if (invalid) code = RC.TOPIC_FILTER_INVALID;
    else if (shared && !cfg.shared_subscription_available) code = RC.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
    else if (!cfg.wildcard_subscription_available && hasWildcard(shared ? shared.filter : filter)) code = RC.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED;
    else if (info && !broker.hooks.authorizeSubscribe!(info, filter)) code = RC.NOT_AUTHORIZED;
    else code = Math.min(s.qos, cfg.max_qos); // [MQTT-3.9.3-? ] granted QoS may be lower than requested
    if (code > RC.GRANTED_QOS_2) {
      broker.log.debug({ clientId: conn.clientId, filter, code }, 'subscription refused');
      granted.push(subackCodeFor(conn.protocolVersion, code));
      continue;
    }
    const sub: SubscriptionRecord = {
      filter,
      qos: code as QoS,
      // a 3.1/3.1.1 bridge's subscriptions are no-local and retain-as-published (mosquitto handle_subscribe.c)
      noLocal: v5 ? !!s.nl : conn.bridgeClient,
      retainAsPublished: v5 ? !!s.rap : conn.bridgeClient,
      retainHandling: v5 ? ((s.rh ?? 0) as 0 | 1 | 2) : 0,
    };
    if (subId !== undefined) sub.subscriptionId = subId;
    const existed = session.subscriptions.has(filter);
    session.subscriptions.set(filter, sub); // [MQTT-3.8.4-3] replaces an identical filter
    broker.subscriptions.add(session, sub);
    changed = true;
    if (!shared) retainedFor.push({ sub, existed }); // no retained messages for shared subscriptions [MQTT-4.8.2 note]
    granted.push(code);
  }
  const suback = { cmd: 'suback' as const, messageId: packet.messageId, granted };
  if (changed && session.persistent) {
    // A persistent session's subscriptions must survive a power cut once SUBACK says so: answer after
    // the store has them. Retained messages go out now, before SUBACK, which section 3.8.4 permits ("The
    // Server is permitted to start sending PUBLISH packets matching the Subscription before the Server
    // sends the SUBACK"); sent after it, a live message routed meanwhile could overtake an older retained one.
    broker.saveSession(session);
    broker.store.whenDurable(() => conn.send(suback));
  } else {
    conn.send(suback);
  }
  sendRetained(conn, retainedFor);
}

/** Retained messages for new subscriptions, as each one's Retain Handling says. */
function sendRetained(conn: ConnectionContext, retainedFor: Array<{ sub: SubscriptionRecord; existed: boolean }>): void {
  const broker = conn.broker;
  const session = conn.session!;
  if (!broker.config.mqtt.retain_available) return;
  for (const { sub, existed } of retainedFor) {
    // Retain Handling: 0 send, 1 send only for a new subscription, 2 do not send [MQTT-3.3.1-9..11]
    if (sub.retainHandling === 2 || (sub.retainHandling === 1 && existed)) continue;
    const ids = sub.subscriptionId ? [sub.subscriptionId] : undefined;
    for (const message of broker.retained.matching(sub.filter)) {
      if (broker.hooks.authorizeRead && !broker.hooks.authorizeRead(broker.clientInfo(conn), message.topic)) continue;
      if (!sourceMayStillWrite(broker, message)) continue; // mqtt.check_retain_source, as mosquitto retain__process
      // retained messages sent because of a new subscription carry RETAIN=1 [MQTT-3.3.1-8]
      const qos = broker.config.mqtt.upgrade_outgoing_qos ? sub.qos : (Math.min(message.qos, sub.qos) as QoS); // as grantQos
      deliver(broker, session, message, qos, true, ids);
    }
  }
}
