/**
 * Home Assistant MQTT discovery messages, built as plain data: topic
 * `<discovery_prefix>/<component>/<node_id>/<object_id>/config` and a JSON
 * config with the documented keys (name, unique_id, state_topic,
 * value_template, device_class, unit_of_measurement, state_class,
 * availability, device, origin). Pure.
 */
import type { AvailabilityTopic } from '../types.js';
import { VERSION } from '../../version.js';

export type Component = 'sensor' | 'binary_sensor' | 'switch';

export interface Entity {
  component: Component;
  /** `[a-zA-Z0-9_-]`, unique within the node. */
  objectId: string;
  /** Adapter kind and device the entity belongs to (for removal when the device leaves the config). */
  kind: string;
  device: string;
  config: Record<string, unknown>;
}

export interface Node {
  discoveryPrefix: string;
  nodeId: string;
  deviceName: string;
  /** Gateway availability topic (retained online/offline). */
  availability: string;
}

export function discoveryTopic(node: Node, e: Pick<Entity, 'component' | 'objectId'>): string {
  return `${node.discoveryPrefix}/${e.component}/${node.nodeId}/${e.objectId}/config`;
}

/** The gateway itself as a Home Assistant device. */
export function gatewayDevice(node: Node): Record<string, unknown> {
  return { identifiers: [`midge_${node.nodeId}`], name: node.deviceName, manufacturer: 'Midge', model: 'Midge gateway', sw_version: VERSION };
}

/** A device behind the gateway (a serial sensor), linked to it with via_device. */
export function childDevice(node: Node, device: string, kind: string): Record<string, unknown> {
  return { identifiers: [`midge_${node.nodeId}_${kind}_${device}`], name: device, manufacturer: 'Midge', model: `${kind} device`, via_device: `midge_${node.nodeId}` };
}

export interface EntityInput {
  component: Component;
  objectId: string;
  kind: string;
  device: string;
  name: string;
  /** Availability topics besides the gateway's (all must say online): a topic with online/offline, or the device's own with its payloads. */
  availability?: Array<string | AvailabilityTopic>;
  deviceBlock?: Record<string, unknown>;
  /** Component-specific keys (state_topic, payload_on, unit_of_measurement...). */
  keys: Record<string, unknown>;
}

export function entity(node: Node, input: EntityInput): Entity {
  const topics = [node.availability, ...(input.availability ?? [])].map((a) => (typeof a === 'string' ? { topic: a, online: 'online', offline: 'offline' } : a));
  const config: Record<string, unknown> = {
    name: input.name,
    unique_id: `${node.nodeId}_${input.objectId}`,
    ...withoutUndefined(input.keys),
    availability: topics.map((a) => ({ topic: a.topic, payload_available: a.online, payload_not_available: a.offline })),
    availability_mode: 'all',
    device: input.deviceBlock ?? gatewayDevice(node),
    origin: { name: 'Midge', sw_version: VERSION },
  };
  return { component: input.component, objectId: input.objectId, kind: input.kind, device: input.device, config };
}

function withoutUndefined(keys: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
}
