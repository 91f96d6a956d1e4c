/**
 * Routing of one application message to every matching subscription:
 * retained store update, one copy per client at the highest matching QoS
 * (with every matching subscription identifier), No Local, Retain As
 * Published, and one member per shared subscription group.
 */
import type { QoS, StoredMessage, SubscriptionRecord } from '../persistence/types.js';
import type { BrokerContext, MessageRouter, RouteResult } from './context.js';
import { deliver, type Delivery } from './delivery.js';
import { mayRead } from './read-access.js';
import { sourceOf } from './retain-source.js';
import type { Session } from './session.js';
import type { SubEntry } from './subscriptions.js';

interface Pending {
  session: Session;
  qos: QoS;
  retain: boolean;
  ids: number[] | undefined;
}

export class Router implements MessageRouter {
  constructor(private readonly broker: BrokerContext) {}

  /** Route a message published by `origin` (null for the broker itself). */
  publish(message: StoredMessage, origin: Session | null): RouteResult {
    const broker = this.broker;
    const result: RouteResult = { delivered: 0, matched: 0, stored: false, quotaHit: false, inflight: undefined };
    // the publisher is kept with a retained message (mqtt.check_retain_source); none for the broker's own
    if (message.retain && broker.retained.set(message, origin ? sourceOf(origin) : undefined)) result.stored = true;
    if (broker.bus.active) {
      const taps = broker.bus.dispatch(message);
      result.delivered += taps.taken;
      result.matched += taps.taken;
      if (taps.stored) result.stored = true;
      if (taps.quotaHit) result.quotaHit = true;
    }
    const matches = broker.subscriptions.match(message.topic);
    const n = matches.length;
    result.matched += n;
    if (n === 0) return result;
    if (n === 1) {
      this.deliverEntry(result, matches[0]!.value, message, origin);
      return result;
    }
    let pending: Map<Session, Pending> | undefined;
    for (let i = 0; i < n; i++) {
      const entry = matches[i]!.value;
      if (entry.kind === 'shared') {
        this.deliverShared(result, entry.group.pick(), message);
        continue;
      }
      const { session, sub } = entry;
      if (sub.noLocal && session === origin) continue; // [MQTT-3.8.3-3]
      pending ??= new Map();
      const qos = grantQos(message.qos, sub, this.broker.config.mqtt.upgrade_outgoing_qos);
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
        given(result, deliver(broker, p.session, message, p.qos, p.retain, p.ids));
      }
    }
    return result;
  }

  private deliverEntry(result: RouteResult, entry: SubEntry, message: StoredMessage, origin: Session | null): void {
    if (entry.kind === 'shared') {
      this.deliverShared(result, entry.group.pick(), message);
      return;
    }
    const { session, sub } = entry;
    if (sub.noLocal && session === origin) return; // [MQTT-3.8.3-3]
    if (!mayRead(this.broker, session, message.topic)) return;
    const retain = sub.retainAsPublished ? message.retain : false; // [MQTT-3.3.1-12] [MQTT-3.3.1-13]
    given(result, deliver(this.broker, session, message, grantQos(message.qos, sub, this.broker.config.mqtt.upgrade_outgoing_qos), retain, sub.subscriptionId ? [sub.subscriptionId] : undefined));
  }

  private deliverShared(result: RouteResult, member: { session: Session; sub: SubscriptionRecord } | undefined, message: StoredMessage): void {
    if (!member || !mayRead(this.broker, member.session, message.topic)) return;
    const { session, sub } = member;
    const retain = sub.retainAsPublished ? message.retain : false;
    given(result, deliver(this.broker, session, message, grantQos(message.qos, sub, this.broker.config.mqtt.upgrade_outgoing_qos), retain, sub.subscriptionId ? [sub.subscriptionId] : undefined));
  }
}

/** One session was given the message: count it and what its delivery wrote. */
function given(result: RouteResult, delivery: Delivery): void {
  result.delivered++;
  if (typeof delivery === 'object') (result.inflight ??= []).push(delivery);
  else if (delivery === 'stored') result.stored = true;
  else if (delivery === 'quota') result.quotaHit = true;
}

/** Delivered QoS is the minimum of the published and the subscribed QoS [MQTT-3.8.4-6]. */
export function grantQos(published: QoS, sub: SubscriptionRecord, upgrade = false): QoS {
  // mqtt.upgrade_outgoing_qos (non-standard): always the subscription's QoS, as mosquitto's subs.c and retain.c
  return upgrade || published > sub.qos ? sub.qos : published;
}
