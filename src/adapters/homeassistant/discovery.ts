/**
 * Home Assistant MQTT discovery for the running adapters. Announces GPIO
 * pins from the config, health values and numeric reading fields as they
 * first appear (readings of adapters other than GPIO and health are
 * mirrored as retained JSON on `<topic_prefix>/<kind>/<device>/reading`),
 * republishes everything when Home Assistant says `online` on
 * `<discovery_prefix>/status`, keeps the gateway availability topic, and
 * at start deletes the entities of devices no longer configured.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MidgeConfig } from '../../config/types.js';
import { gpioBaseTopic } from '../gpio/index.js';
import { healthBaseTopic } from '../health/index.js';
import { expandPrefix, hostSlug } from '../naming.js';
import type { Adapter, Bus, Reading } from '../types.js';
import { gpioEntities, healthEntities, mirrorTopic, readingEntities } from './entities.js';
import { discoveryTopic } from './payloads.js';
import type { Entity, Node } from './payloads.js';
import { objectIdAllocator } from './object-ids.js';
import { DiscoveryRegistry, REGISTRY_FILE, staleEntries } from './registry.js';
import type { RegistryEntry } from './registry.js';

export interface DiscoveryHost {
  readonly adapters: readonly Adapter[];
  onReading(listener: (reading: Reading) => void): () => void;
}

export interface Discovery {
  /** Config topics announced so far. */
  topics(): string[];
  stop(): void;
}

export interface DiscoveryOptions {
  /** Registry file; default `<persistence.path>/homeassistant-discovery.json` when persistence is on. */
  registryFile?: string;
}

export function nodeOf(config: MidgeConfig): Node {
  const ha = config.homeassistant;
  const host = hostSlug();
  return {
    discoveryPrefix: ha.discovery_prefix,
    nodeId: ha.node_id || host,
    deviceName: ha.device_name || `Midge ${host}`,
    availability: `${expandPrefix(ha.topic_prefix)}/availability`,
  };
}

export function startDiscovery(config: MidgeConfig, host: DiscoveryHost, bus: Bus, logger: Logger, options: DiscoveryOptions = {}): Discovery {
  const log = logger.child({ adapter: 'homeassistant' });
  const ha = config.homeassistant;
  const file = options.registryFile ?? (config.persistence.enabled ? join(config.persistence.path, REGISTRY_FILE) : undefined);
  const registry = new DiscoveryRegistry(file, log);
  const node = nodeOf(config);
  const active = ha.enabled && host.adapters.length > 0;
  const running = new Set(active ? host.adapters.map((a) => `${a.kind}/${a.name}`) : []);
  const pins = config.gpio.pins.filter((p) => running.has(`gpio/${p.name}`));
  const gpio = pins.flatMap((p) => gpioEntities(node, p, gpioBaseTopic(config, p.name)));

  const publish = (topic: string, payload: string): void => {
    try {
      bus.publish(topic, payload, { qos: 1, retain: true });
    } catch (err) {
      log.error({ err, topic }, 'discovery publish failed');
    }
  };

  const previous = registry.load();
  const stale = staleEntries(previous, new Set(gpio.map((e) => discoveryTopic(node, e))), running);
  for (const e of stale) publish(e.topic, '');
  if (stale.length > 0) log.info({ removed: stale.map((e) => e.topic) }, `removed ${stale.length} Home Assistant entities of devices no longer configured`);
  let known: RegistryEntry[] = previous.filter((e) => !stale.includes(e));
  if (stale.length > 0) registry.save(known);
  if (!active) return { topics: () => [], stop: () => undefined };

  const announced = new Map<string, Entity>();
  const announce = (e: Entity): void => {
    const topic = discoveryTopic(node, e);
    if (announced.has(topic)) return;
    announced.set(topic, e);
    publish(topic, JSON.stringify(e.config));
    if (!known.some((k) => k.topic === topic)) {
      known = [...known, { topic, kind: e.kind, device: e.device }];
      registry.save(known);
    }
  };

  const mirrorPrefix = expandPrefix(ha.topic_prefix);
  const mirrors = new Map<string, Reading['values']>();
  const objectId = objectIdAllocator(log);
  const onReading = (r: Reading): void => {
    if (r.kind === 'gpio') return; // announced from the config
    if (r.kind === 'health') {
      for (const e of healthEntities(node, healthBaseTopic(config), r.values)) announce(e);
      return;
    }
    const availability = host.adapters.find((a) => a.kind === r.kind && a.name === r.device)?.availability;
    for (const e of readingEntities(node, mirrorPrefix, r, { availability, objectId })) announce(e);
    const topic = mirrorTopic(mirrorPrefix, r);
    const merged = { ...mirrors.get(topic), ...r.values };
    mirrors.set(topic, merged);
    publish(topic, JSON.stringify(merged));
  };

  publish(node.availability, 'online');
  for (const e of gpio) announce(e);
  const offReading = host.onReading(onReading);
  const offStatus = bus.subscribe(`${ha.discovery_prefix}/status`, (m) => {
    if (m.payload.toString().trim() !== 'online') return;
    log.debug('Home Assistant is online: republishing discovery');
    publish(node.availability, 'online');
    for (const [topic, e] of announced) publish(topic, JSON.stringify(e.config));
  });
  log.info({ node: node.nodeId, entities: announced.size }, 'Home Assistant discovery on');

  return {
    topics: () => [...announced.keys()],
    stop: () => {
      offReading();
      offStatus();
      publish(node.availability, 'offline');
    },
  };
}
