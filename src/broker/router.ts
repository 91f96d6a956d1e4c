/**
 * Routing of one application message to every matching subscription:
 * retained store update, one copy per client at the highest matching QoS
 * (with every matching subscription identifier), No Local, Retain As
 * Published, and one member per shared subscription group.
 */
import type { QoS, StoredMessage, SubscriptionRecord } from '../persistence/types.js';
import type { Broker } from './broker.js';
import { deliver } from './delivery.js';
import { mayRead } from './read-access.js';
import type { Session } from './session.js';
import type { SubEntry } from './subscriptions.js';

interface Pending {
  session: Session;
  qos: QoS;
  retain: boolean;
  ids: number[] | undefined;
}

export class Router {
  constructor(private readonly broker: Broker) {}

  /**
   * Route a message published by `origin` (null for the broker itself).
   * Returns the number of sessions it was given to.
   */
  publish(message: StoredMessage, origin: Session | null): number {
    const broker = this.broker;
    if (message.retain) broker.retained.set(message);
    const local = broker.bus.active ? broker.bus.dispatch(message) : 0;
    const matches = broker.subscriptions.match(message.topic);
    const n = matches.length;
    if (n === 0) return local;
    if (n === 1) return local + this.deliverEntry(matches[0]!.value, message, origin);
    let pending: Map<Session, Pending> | undefined;
    let count = local;
    for (let i = 0; i < n; i++) {
      const entry = matches[i]!.value;
      if (entry.kind === 'shared') {
        count += this.deliverShared(entry.group.pick(), message);
        continue;
      }
      const { session, sub } = entry;
      if (sub.noLocal && session === origin) continue; // [MQTT-3.8.3-3]
      pending ??= new Map();
      const qos = grantQos(message.qos, sub);
      const retain = sub.retainAsPublished ? message.retain : false;
      const have = pending.get(session);
      if (!have) {
        pending.set(session, { session, qos, retain, ids: sub.subscriptionId ? [sub.subscriptionId] : undefined });
        continue;
      }
      // overlapping subscriptions: one copy at the highest QoS, all identifiers [MQTT-3.3.4-2] [MQTT-3.3.4-3]
      if (qos > have.qos) have.qos = qos;
      have.retain ||= retain;
      if (sub.subscriptionId) (have.ids ??= []).push(sub.subscriptionId);
    }
    if (pending) {
      for (const p of pending.values()) {
        if (!mayRead(broker, p.session, message.topic)) continue;
        deliver(broker, p.session, message, p.qos, p.retain, p.ids);
        count++;
      }
    }
    return count;
  }

  private deliverEntry(entry: SubEntry, message: StoredMessage, origin: Session | null): number {
    if (entry.kind === 'shared') return this.deliverShared(entry.group.pick(), message);
    const { session, sub } = entry;
    if (sub.noLocal && session === origin) return 0; // [MQTT-3.8.3-3]
    if (!mayRead(this.broker, session, message.topic)) return 0;
    const retain = sub.retainAsPublished ? message.retain : false; // [MQTT-3.3.1-12] [MQTT-3.3.1-13]
    deliver(this.broker, session, message, grantQos(message.qos, sub), retain, sub.subscriptionId ? [sub.subscriptionId] : undefined);
    return 1;
  }

  private deliverShared(member: { session: Session; sub: SubscriptionRecord } | undefined, message: StoredMessage): number {
    if (!member || !mayRead(this.broker, member.session, message.topic)) return 0;
    const { session, sub } = member;
    const retain = sub.retainAsPublished ? message.retain : false;
    deliver(this.broker, session, message, grantQos(message.qos, sub), retain, sub.subscriptionId ? [sub.subscriptionId] : undefined);
    return 1;
  }
}

/** Delivered QoS is the minimum of the published and the subscribed QoS [MQTT-3.8.4-6]. */
export function grantQos(published: QoS, sub: SubscriptionRecord): QoS {
  return published < sub.qos ? published : sub.qos;
}
