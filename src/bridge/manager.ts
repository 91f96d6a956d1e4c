/** Starts the configured bridges against the running broker and its store, and stops them. */
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.js';
import type { MidgeConfig } from '../config/types.js';
import type { BridgeStatus } from '../status-types.js';
import type { Bridge, BridgeDeps } from './bridge.js';
import { planBridge } from '../config/bridge-plan.js';

export interface RunningBridges {
  readonly bridges: readonly Bridge[];
  status(): BridgeStatus[];
  stop(): Promise<void>;
}

/** What a bridge needs from the broker: the bus, the store and sequence numbers. */
export function bridgeDeps(broker: Broker, logger: Logger): BridgeDeps {
  return { bus: broker.bus, store: broker.store, nextSeq: () => broker.nextSeq(), logger };
}

/** The bridge module (and with it mqtt.js, ~10 MB of RSS) is loaded only when a bridge is configured. */
export async function startBridges(config: MidgeConfig, broker: Broker, logger: Logger): Promise<RunningBridges> {
  const BridgeClass = config.bridges.length > 0 ? (await import('./bridge.js')).Bridge : undefined;
  const deps = bridgeDeps(broker, logger);
  const bridges: Bridge[] = BridgeClass ? config.bridges.map((cfg) => new BridgeClass(planBridge(cfg), deps)) : [];
  const orphans = broker.store.bridgeQueue.bridges().filter((name) => !bridges.some((b) => b.plan.name === name));
  for (const name of orphans) {
    const s = broker.store.bridgeQueue.stats(name);
    if (s.messages > 0) {
      logger.warn({ bridge: name, queued: s.messages }, `the store holds ${s.messages} queued message(s) for bridge '${name}', which is no longer configured; they are kept (remove them with: midge queue purge --bridge ${name})`);
    }
  }
  for (const b of bridges) b.start();
  return {
    bridges,
    status: () => bridges.map((b) => b.status()),
    async stop() {
      await Promise.allSettled(bridges.map((b) => b.stop()));
    },
  };
}
