/**
 * The upstream → local direction of a bridge: the remote subscriptions
 * (rules plus the profile's built-in ones, in chunks the cloud accepts) and
 * the mapping of a received message to a local publish. Pure apart from
 * `subscribeRemote`, which talks to the MQTT.js client.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Bus, LocalPublishOptions } from '../bus.js';
import type { BridgePlan } from '../config/bridge-plan.js';
import { mapIncoming, remoteSubscriptions } from '../topics/bridge-topic-map.js';

export interface InboundPacket {
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: Record<string, unknown>;
}

export function subscribeRemote(client: MqttClient, plan: BridgePlan, log: Logger): void {
  const subs = [...remoteSubscriptions(plan.rules, plan.profile.maxQos), ...plan.profile.builtinSubscriptions()];
  const per = Number.isFinite(plan.profile.maxFiltersPerSubscribe) ? plan.profile.maxFiltersPerSubscribe : subs.length;
  for (let i = 0; i < subs.length; i += Math.max(1, per)) {
    const chunk = Object.fromEntries(subs.slice(i, i + per).map((s) => [s.filter, { qos: s.qos }]));
    client.subscribe(chunk, (err, granted) => {
      const refused = (granted ?? []).filter((g) => g.qos === 128);
      if (err || refused.length > 0) {
        log.error({ err, refused: refused.map((g) => g.topic) }, 'upstream refused a bridge subscription (check the remote ACL/policy)');
      }
    });
  }
}

/** The local topic and publish options for a message from upstream, or null when no in rule (or Azure route) takes it. */
export function localPublishFor(plan: BridgePlan, topic: string, packet: InboundPacket): { topic: string; options: LocalPublishOptions } | null {
  let localTopic: string | undefined;
  let retain = packet.retain;
  let bag: Record<string, string> | undefined;
  const route = mapIncoming(plan.rules, topic);
  if (route) localTopic = route.localTopic;
  else if (plan.profile.routes) {
    const own = plan.profile.routes.inbound(topic);
    if (own) ({ localTopic, retain, userProperties: bag } = own);
  }
  if (localTopic === undefined) return null;
  const props = packet.properties as { userProperties?: Record<string, string>; contentType?: string } | undefined;
  const user = { ...(props?.userProperties ?? {}), ...(bag ?? {}) };
  const properties: NonNullable<LocalPublishOptions['properties']> = {};
  if (Object.keys(user).length > 0) properties.userProperties = user;
  if (props?.contentType) properties.contentType = props.contentType;
  return { topic: localTopic, options: { qos: packet.qos, retain, ...(Object.keys(properties).length > 0 ? { properties } : {}) } };
}

/** What publishing a message from upstream locally needs of its bridge. */
export interface InboundSink {
  bus: Bus;
  log: Logger;
  /** A warning at most once a minute per key. */
  warn(key: string, message: string, fields: Record<string, unknown>): void;
  /** A message was mapped to a local topic (counted, and the link is alive), before it is published. */
  taken(): void;
}

/** Publishes a message from upstream on its local topic; one that maps to none, or cannot be published, is dropped. */
export function publishInbound(plan: BridgePlan, topic: string, payload: Buffer, packet: InboundPacket, sink: InboundSink): void {
  let local: ReturnType<typeof localPublishFor>;
  try {
    local = localPublishFor(plan, topic, packet);
  } catch (err) {
    // e.g. a malformed Azure property bag: dropped (and acknowledged), never a crash
    sink.warn('inbound', `message from upstream on '${topic}' cannot be mapped to a local topic; dropped`, { err });
    return;
  }
  if (!local) {
    sink.log.debug({ topic }, 'message from upstream matches no in rule; dropped');
    return;
  }
  sink.taken();
  try {
    sink.bus.publish(local.topic, payload, local.options);
  } catch (err) {
    sink.warn('inbound', `message from upstream mapped to an invalid local topic '${local.topic}'; dropped`, { err });
  }
}
