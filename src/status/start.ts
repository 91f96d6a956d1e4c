/**
 * Gateway glue: starts the metrics/status HTTP listener when
 * `metrics.listen` is set, with basic auth against the broker's password
 * file when the configuration asks for it.
 */
import type { Logger } from 'pino';
import type { FileAuth } from '../auth/file-auth.js';
import type { MqttServer } from '../broker/server.js';
import { metricsNeedAuth } from '../config/validate-metrics.js';
import type { MidgeConfig } from '../config/types.js';
import type { RecentLogs } from '../log-recent.js';
import type { StatusProviders } from '../status-types.js';
import type { HttpAuthenticate } from './basic-auth.js';
import type { StatusServer } from './http-server.js';

export const NO_COMPONENTS: StatusProviders = { bridges: () => [], adapters: () => [] };

export interface StatusOptions {
  /** Bridges and device adapters reporting their state; none by default. */
  providers?: StatusProviders;
  /** The logger's recent lines (createLogger's `recent`), shown on the status page. */
  recentLogs?: RecentLogs;
}

/** Undefined when metrics.listen is unset. */
export async function startStatusIfConfigured(
  config: MidgeConfig,
  server: MqttServer,
  fileAuth: FileAuth,
  logger: Logger,
  options: StatusOptions,
): Promise<StatusServer | undefined> {
  if (config.metrics.listen === undefined) return undefined;
  let authenticate: HttpAuthenticate | undefined;
  if (metricsNeedAuth(config)) {
    const check = fileAuth.hooks.authenticate;
    if (!check) throw new Error('metrics: basic auth needs auth.password_file'); // validation prevents this
    authenticate = async (username, password, remoteAddress) =>
      (await check({ clientId: '(status page)', username, remoteAddress, listener: 'metrics', allowAnonymous: false }, Buffer.from(password))).ok;
  }
  // loaded only when configured: the status server pulls in prom-client
  const { startStatusServer } = await import('./http-server.js');
  return startStatusServer({
    config: config.metrics,
    broker: server.broker,
    addresses: () => server.addresses(),
    providers: options.providers ?? NO_COMPONENTS,
    logger,
    recentLogs: options.recentLogs,
    authenticate,
  });
}
