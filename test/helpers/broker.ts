/**
 * Starts a real in-process broker on 127.0.0.1 port 0 with the default
 * config plus overrides. Logs are silent unless MIDGE_TEST_LOG=debug|info.
 */
import pino from 'pino';
import type { Broker } from '../../src/broker/broker.js';
import type { BrokerClock } from '../../src/broker/clock.js';
import type { BrokerHooks } from '../../src/broker/hooks.js';
import { MqttServer } from '../../src/broker/server.js';
import { defaultConfig } from '../../src/config/load.js';
import type { MidgeConfig } from '../../src/config/types.js';
import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import type { Store } from '../../src/persistence/types.js';

export interface TestBroker {
  broker: Broker;
  port: number;
  url: string;
  store: Store;
  stop(): Promise<void>;
}

export interface TestBrokerOptions {
  mqtt?: Partial<MidgeConfig['mqtt']>;
  sys?: Partial<MidgeConfig['sys']>;
  listener?: Partial<MidgeConfig['listeners'][number]>;
  /** Persistence limits (the store itself is `store`, a MemoryStore by default). */
  persistence?: Partial<MidgeConfig['persistence']>;
  store?: Store;
  hooks?: BrokerHooks;
  /** Time source for expiry (clock-step tests). */
  clock?: BrokerClock;
}

export function testConfig(options: TestBrokerOptions = {}): MidgeConfig {
  const base = defaultConfig();
  return {
    ...base,
    listeners: [{ ...base.listeners[0]!, host: '127.0.0.1', port: 0, ...options.listener }],
    mqtt: { ...base.mqtt, ...options.mqtt },
    sys: { ...base.sys, interval: 0, ...options.sys },
    persistence: { ...base.persistence, enabled: false, ...options.persistence },
  };
}

export async function startBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const logger = pino({ level: process.env.MIDGE_TEST_LOG ?? 'silent' });
  const store = options.store ?? new MemoryStore();
  const server = new MqttServer({ config: testConfig(options), logger, store, hooks: options.hooks, clock: options.clock });
  const broker = server.broker;
  await server.start();
  const port = server.addresses()[0]!.port;
  return {
    broker,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    store,
    stop: async () => {
      await server.stop();
    },
  };
}
