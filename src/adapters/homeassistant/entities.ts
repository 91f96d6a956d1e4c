/**
 * Which entities to announce: GPIO pins straight from the config (inputs
 * as binary_sensor, outputs as switch, counters as sensors), health values
 * that the health adapter actually produced (a board without a thermal
 * zone gets no temperature entity), and every numeric field of any other
 * adapter's readings, read from a mirror topic. Pure.
 */
import type { GpioPinConfig } from '../../config/types.js';
import { slugify } from '../naming.js';
import type { AvailabilityTopic, Reading } from '../types.js';
import { HEALTH_METRICS } from '../health/metrics.js';
import { childDevice, entity } from './payloads.js';
import type { Entity, Node } from './payloads.js';
import { inferFieldClass } from './infer.js';

/** `base` is the pin's state topic `<prefix>/gpio/<name>`. */
export function gpioEntities(node: Node, pin: GpioPinConfig, base: string): Entity[] {
  const common = { kind: 'gpio', device: pin.name, availability: [`${base}/availability`] };
  const out: Entity[] = [];
  if (pin.direction === 'out') {
    out.push(entity(node, {
      ...common, component: 'switch', objectId: `gpio_${pin.name}`, name: pin.name,
      keys: { state_topic: base, command_topic: `${base}/set`, payload_on: pin.payload_on, payload_off: pin.payload_off, state_on: pin.payload_on, state_off: pin.payload_off },
    }));
    return out;
  }
  out.push(entity(node, {
    ...common, component: 'binary_sensor', objectId: `gpio_${pin.name}`, name: pin.name,
    keys: { state_topic: base, payload_on: pin.payload_on, payload_off: pin.payload_off },
  }));
  if (pin.counter) {
    out.push(entity(node, { ...common, component: 'sensor', objectId: `gpio_${pin.name}_count`, name: `${pin.name} count`, keys: { state_topic: `${base}/count`, state_class: 'total_increasing' } }));
    out.push(entity(node, { ...common, component: 'sensor', objectId: `gpio_${pin.name}_rate`, name: `${pin.name} rate`, keys: { state_topic: `${base}/rate`, unit_of_measurement: '1/min', state_class: 'measurement' } }));
  }
  return out;
}

/** `base` is `<prefix>/health`; only keys with a value in `values` get an entity. */
export function healthEntities(node: Node, base: string, values: Reading['values']): Entity[] {
  const out: Entity[] = [];
  for (const metric of HEALTH_METRICS) {
    if (values[metric.key] === null || values[metric.key] === undefined) continue;
    const common = { kind: 'health', device: 'health', objectId: `health_${metric.key}`, name: metric.name, availability: [`${base}/availability`] };
    const category = metric.diagnostic ? 'diagnostic' : undefined;
    const keys = metric.binary
      ? { state_topic: `${base}/${metric.key}`, payload_on: 'true', payload_off: 'false', device_class: metric.deviceClass, entity_category: category }
      : { state_topic: `${base}/${metric.key}`, unit_of_measurement: metric.unit, device_class: metric.deviceClass, state_class: metric.stateClass, entity_category: category };
    out.push(entity(node, { ...common, component: metric.binary ? 'binary_sensor' : 'sensor', keys }));
  }
  return out;
}

/** `<topic_prefix>/<kind>/<device>/reading`: where readings of other adapters are mirrored as JSON. */
export function mirrorTopic(prefix: string, reading: Pick<Reading, 'kind' | 'device'>): string {
  return `${prefix}/${reading.kind}/${slugify(reading.device)}/reading`;
}

/** Field names that fit in a template string as they are (no quotes, braces or backslashes). */
const SAFE_FIELD = /^[\w .:-]{1,100}$/;

export interface ReadingEntityOptions {
  /** The device's own availability topic (a serial device that is unplugged goes unavailable). */
  availability?: AvailabilityTopic;
  /** Object id for `field` given the plain one (discovery makes ids of fields differing only in case distinct). */
  objectId?: (field: string, plain: string) => string;
}

/** One sensor per numeric field of a reading (dotted keys kept in the template). */
export function readingEntities(node: Node, prefix: string, reading: Reading, options: ReadingEntityOptions = {}): Entity[] {
  const out: Entity[] = [];
  for (const [field, value] of Object.entries(reading.values)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || !SAFE_FIELD.test(field)) continue;
    const cls = inferFieldClass(field);
    const plain = slugify(`${reading.kind}_${reading.device}_${field}`);
    out.push(entity(node, {
      component: 'sensor',
      kind: reading.kind,
      device: reading.device,
      objectId: options.objectId?.(field, plain) ?? plain,
      name: field,
      ...(options.availability ? { availability: [options.availability] } : {}),
      deviceBlock: childDevice(node, slugify(reading.device), reading.kind),
      keys: {
        state_topic: mirrorTopic(prefix, reading),
        value_template: `{{ value_json['${field}'] }}`,
        device_class: cls.deviceClass,
        unit_of_measurement: cls.unit,
        state_class: cls.stateClass,
      },
    }));
  }
  return out;
}
