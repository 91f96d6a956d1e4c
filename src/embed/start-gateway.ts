/**
 * `startGateway(options)`, the embedding API (`import { startGateway } from
 * 'midge'`, docs/embedding.md): a partial config validated with the
 * schema's defaults, the hooks of docs/security.md, an optional logger;
 * returns the running gateway with its addresses, typed events, in-process
 * publish/subscribe and an idempotent graceful stop. Built on the same
 * composition root as the `midge` command (src/gateway.ts).
 */
import type { Logger } from 'pino';
import type { BrokerHooks } from '../broker/hooks.js';
import type { ListenerAddress } from '../broker/listeners.js';
import type { LocalPublishOptions } from '../bus.js';
import type { MidgeConfig } from '../config/types.js';
import { startGateway as startComposed } from '../gateway.js';
import { createLogger } from '../log.js';
import type { StoredMessage } from '../persistence/types.js';
import type { BridgeStatus } from '../status-types.js';
import { resolveConfig, type GatewayConfigInput } from './config-input.js';
import { GatewayEventHub, type GatewayEventSource } from './events.js';
import { observeHooks } from './observe-hooks.js';

export interface GatewayOptions {
  /** Any part of midge.yaml as an object; the rest takes the defaults. Omitted: one listener on 127.0.0.1:1883. */
  config?: GatewayConfigInput;
  /** Your own checks and observers (docs/security.md). */
  hooks?: BrokerHooks;
  /** A pino logger; omitted: JSON lines (or text on a terminal) to standard error at `config.log.level`. */
  logger?: Logger;
}

export interface EmbeddedGateway extends GatewayEventSource {
  /** The configuration in force: yours, validated, with every default filled in. */
  readonly config: MidgeConfig;
  /** Addresses the broker listens on, in listener order (the real port when 0 was asked). */
  addresses(): ListenerAddress[];
  /** Publish into the broker as the gateway itself (no ACL check). Returns how many subscribers got it. */
  publish(topic: string, payload: Buffer | string, options?: LocalPublishOptions): number;
  /** Receive every routed message matching `filter` (no `$share`), in-process. Returns the unsubscribe function. */
  subscribe(filter: string, handler: (message: StoredMessage) => void): () => void;
  /** State and queue of each configured bridge, now. */
  bridges(): BridgeStatus[];
  /** Re-read the password, ACL and TLS files (what SIGHUP does to the `midge` command). Never rejects. */
  reload(): Promise<void>;
  /** Graceful stop: wills, stores flushed and closed. Calling it again returns the same promise. */
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions = {}): Promise<EmbeddedGateway> {
  const config = resolveConfig(options.config);
  const logger = options.logger ?? createLogger(config.log);
  const events = new GatewayEventHub(logger);
  const gateway = await startComposed(config, logger, observeHooks(options.hooks, events));
  const bus = gateway.broker.bus;
  // bridge state follows each bridge's notification topic ('1' up, '0' down), published on the local bus
  const untaps = gateway.bridges.bridges.flatMap((b) => {
    const topic = b.plan.notificationTopic;
    if (topic === undefined) return [];
    return [bus.subscribe(topic, (m) => events.emit('bridgeState', { bridge: b.plan.name, connected: m.payload.toString() === '1' }))];
  });
  let stopped: Promise<void> | undefined;
  const embedded: EmbeddedGateway = {
    config,
    addresses: () => gateway.addresses(),
    publish: (topic, payload, publishOptions) => bus.publish(topic, payload, publishOptions),
    subscribe: (filter, handler) =>
      bus.subscribe(filter, (message) => {
        handler(message); // whatever it returns, an integrator's handler never holds back an acknowledgement
      }),
    bridges: () => gateway.bridges.status(),
    reload: () => gateway.reload(),
    stop: () =>
      (stopped ??= (async () => {
        for (const untap of untaps) untap();
        await gateway.stop(); // clientDisconnected still fires for the clients it closes
        events.clear();
      })()),
    on(event, listener) {
      events.on(event, listener);
      return embedded;
    },
    once(event, listener) {
      events.once(event, listener);
      return embedded;
    },
    off(event, listener) {
      events.off(event, listener);
      return embedded;
    },
  };
  return embedded;
}
