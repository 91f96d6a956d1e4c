/**
 * Composition root: opens the store, builds the MQTT server (the broker, its
 * listeners and their connections: broker/server.ts), the bridges, the
 * device adapters and the status server from a resolved config, and stops
 * them in reverse order.
 */
import type { Logger } from 'pino';
import type { Broker } from './broker/broker.js';
import type { BrokerHooks } from './broker/hooks.js';
import { MqttServer } from './broker/server.js';
import { createFileAuth, mergeHooks } from './auth/file-auth.js';
import { closedListeners, closedListenerWarning, RETAIN_SOURCE_WITHOUT_ACL } from './config/listener-access.js';
import type { MidgeConfig } from './config/types.js';
import { clippingLogger } from './log-clip.js';
import { openStore } from './persistence/open-store.js';
import { startAdapters } from './adapters/start.js';
import type { RunningAdapters } from './adapters/start.js';
import { startBridges } from './bridge/manager.js';
import type { RunningBridges } from './bridge/manager.js';
import type { StatusServer } from './status/http-server.js';
import { startStatusIfConfigured } from './status/start.js';
import type { StatusOptions } from './status/start.js';

export interface Gateway {
  readonly broker: Broker;
  /** Device adapters (serial, GPIO, system health) the config enabled. */
  readonly adapters: RunningAdapters;
  /** Uplinks to cloud brokers with their durable queues. */
  readonly bridges: RunningBridges;
  /** The metrics/status HTTP listener; undefined when metrics.listen is unset. */
  readonly status: StatusServer | undefined;
  /** Addresses the broker listens on, in listener order (port resolved when 0 was asked). */
  addresses(): Array<{ host: string; port: number; protocol: string }>;
  /** Graceful stop: wills handled as the spec says, stores flushed and closed. */
  stop(): Promise<void>;
  /**
   * SIGHUP: runs every reloader in turn (password and ACL files, TLS
   * certificates). A reloader that fails is logged and keeps its old state;
   * the others still run. Never rejects.
   */
  reload(): Promise<void>;
}

/** One part of the gateway that re-reads its files on `reload()`. */
export interface Reloader {
  name: string;
  reload(): void | Promise<void>;
}

/**
 * `hooks` (optional) are an integrator's own checks, e.g. an HTTP
 * `authenticate`; see docs/security.md for how they combine with
 * auth.password_file and auth.acl_file.
 */
export async function startGateway(config: MidgeConfig, given: Logger, hooks?: BrokerHooks, statusOptions: StatusOptions = {}): Promise<Gateway> {
  const logger = clippingLogger(given); // client-controlled strings are clipped in every log record
  const reloaders: Reloader[] = [];
  const fileAuth = createFileAuth(config.auth, logger, config.listeners); // bad files: ConfigError before anything is opened
  reloaders.push({ name: 'auth files', reload: () => fileAuth.reload() });
  const store = openStore(config.persistence, logger);
  const merged = mergeHooks(fileAuth.hooks, hooks);
  if (!merged.authenticate) for (const l of closedListeners(config)) logger.warn(closedListenerWarning(l));
  if (config.mqtt.check_retain_source && !merged.authorizePublish) logger.warn(RETAIN_SOURCE_WITHOUT_ACL);
  // the broker, its listeners and their connections, wired (broker/server.ts)
  const server = new MqttServer({ config, logger, store, hooks: merged });
  const broker = server.broker;
  // bridges listen on the bus before the listeners open: no client message can slip past their queues
  const bridges: RunningBridges = await startBridges(config, broker, logger);
  let adapters: RunningAdapters | undefined;
  let status: StatusServer | undefined;
  try {
    await server.start();
    adapters = await startAdapters(config, broker.bus, logger);
    const running = adapters;
    status = await startStatusIfConfigured(config, server, fileAuth, logger, {
      ...statusOptions,
      providers: statusOptions.providers ?? { bridges: () => bridges.status(), adapters: () => running.status() },
    });
  } catch (err) {
    await adapters?.stop();
    await server.stop().catch(() => undefined);
    await bridges.stop();
    store.close();
    throw err;
  }
  // TLS listeners: new certificate/key/CA/CRL files for new handshakes; bad files are logged, old ones kept
  reloaders.push({ name: 'TLS certificates', reload: () => void server.reloadTls() });
  let stopped: Promise<void> | undefined;
  return {
    broker,
    adapters,
    bridges,
    status,
    addresses: () => server.addresses(),
    reload: async () => {
      for (const r of reloaders) {
        try {
          await r.reload();
        } catch (err) {
          logger.error({ err, what: r.name }, `reload of ${r.name} failed; keeping the previous state`);
        }
      }
    },
    stop: () =>
      (stopped ??= (async () => {
        await status?.stop();
        await adapters.stop();
        await server.stop();
        await bridges.stop(); // after the broker: wills and last messages are queued first
        store.close();
      })()),
  };
}
