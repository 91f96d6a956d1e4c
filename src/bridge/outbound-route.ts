/**
 * Where a local message goes upstream: its `out` rule (mosquitto's topic
 * semantics, topics/bridge-topic-map.ts), else the cloud's own routes
 * (Azure: method replies and twin updates). Pure.
 */
import type { StoredMessage } from '../persistence/types.js';
import type { BridgePlan } from '../config/bridge-plan.js';
import { capQos, mapOutgoing } from '../topics/bridge-topic-map.js';
import type { QoS } from '../topics/qos.js';

/** The remote topic and QoS for a local message, or null when nothing takes it. `rid` numbers requests (twin). */
export function remoteRouteFor(plan: BridgePlan, message: StoredMessage, rid: () => string): { topic: string; qos: QoS } | null {
  const route = mapOutgoing(plan.rules, message.topic);
  if (route) return { topic: route.remoteTopic, qos: capQos(Math.min(message.qos, route.qos), 2) };
  // a cloud route (Azure: a method reply or twin update; sent as QoS 1, it is kept until acknowledged)
  const topic = plan.profile.routes?.outbound(message.topic, rid) ?? null;
  return topic === null ? null : { topic, qos: capQos(message.qos, plan.profile.maxQos) };
}
