/**
 * Composition root: builds the store, the broker and (later) the bridge and
 * adapters from a resolved config, and stops them in reverse order.
 */
import type { Logger } from 'pino';
import type { MidgeConfig } from './config/types.js';

export interface Gateway {
  /** Addresses the broker listens on, in listener order (port resolved when 0 was asked). */
  addresses(): Array<{ host: string; port: number }>;
  /** Graceful stop: wills handled as the spec says, stores flushed. */
  stop(): Promise<void>;
}

export async function startGateway(config: MidgeConfig, logger: Logger): Promise<Gateway> {
  void config;
  void logger;
  throw new Error('not implemented yet');
}
