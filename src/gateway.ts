/**
 * Composition root: builds the store and the broker (later the bridge and
 * adapters) from a resolved config, and stops them in reverse order.
 */
import type { Logger } from 'pino';
import { Broker } from './broker/broker.js';
import type { BrokerHooks } from './broker/hooks.js';
import type { MidgeConfig } from './config/types.js';
import { openStore } from './persistence/open-store.js';

export interface Gateway {
  readonly broker: Broker;
  /** Addresses the broker listens on, in listener order (port resolved when 0 was asked). */
  addresses(): Array<{ host: string; port: number; protocol: string }>;
  /** Graceful stop: wills handled as the spec says, stores flushed and closed. */
  stop(): Promise<void>;
}

export async function startGateway(config: MidgeConfig, logger: Logger, hooks?: BrokerHooks): Promise<Gateway> {
  const store = openStore(config.persistence, logger);
  const broker = new Broker({ config, logger, store, hooks });
  try {
    await broker.start();
  } catch (err) {
    await broker.stop().catch(() => undefined);
    store.close();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    broker,
    addresses: () => broker.addresses(),
    stop: () =>
      (stopped ??= (async () => {
        await broker.stop();
        store.close();
      })()),
  };
}
