/** The health adapter family: one adapter when `health.enabled`, none otherwise. */
import type { MidgeConfig } from '../../config/types.js';
import { expandPrefix } from '../naming.js';
import type { Adapter, AdapterContext } from '../types.js';
import { HealthAdapter } from './health-adapter.js';
import type { HealthAdapterOptions } from './health-adapter.js';
import { readInventory } from './inventory.js';
import { ProcSource } from './proc-source.js';

export type HealthOptions = Partial<Omit<HealthAdapterOptions, 'config' | 'base' | 'dataPath'>>;

export function healthBaseTopic(config: MidgeConfig): string {
  return `${expandPrefix(config.health.topic_prefix)}/health`;
}

export function createHealthAdapters(config: MidgeConfig, ctx: AdapterContext, options: HealthOptions = {}): Adapter[] {
  if (!config.health.enabled) return [];
  return [
    new HealthAdapter(
      { source: new ProcSource(), inventory: readInventory, ...options, config: config.health, base: healthBaseTopic(config), dataPath: config.persistence.path },
      ctx,
    ),
  ];
}
