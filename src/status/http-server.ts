/**
 * The HTTP listener of `metrics.listen`: /metrics (Prometheus), and unless
 * `status_page: false` the status page (/ and its static assets), the JSON
 * API (/api/status) and live updates (/api/events, server-sent events).
 * Optional basic auth against the broker's password file. Read-only: only
 * GET and HEAD.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.js';
import type { ListenerAddress } from '../broker/listeners.js';
import { parseHostPort } from '../config/schema.js';
import type { MetricsConfig } from '../config/types.js';
import type { RecentLogs } from '../log-recent.js';
import type { StatusProviders } from '../status-types.js';
import { WriteRate } from './write-rate.js';
import { checkBasicAuth } from './basic-auth.js';
import type { HttpAuthenticate } from './basic-auth.js';
import { StatusEvents } from './events.js';
import { createMetricsRegistry } from './prometheus.js';
import { buildStatus } from './snapshot.js';

export interface StatusServerOptions {
  config: MetricsConfig;
  broker: Broker;
  /** The broker's listener addresses (the status page lists them). */
  addresses: () => ListenerAddress[];
  providers: StatusProviders;
  logger: Logger;
  recentLogs?: RecentLogs;
  /** Set: every request needs basic auth checked by it. */
  authenticate?: HttpAuthenticate;
}

export interface StatusServer {
  /** Where it listens (port resolved when 0 was asked). */
  address(): { host: string; port: number };
  /** `http://host:port` (IPv6 in brackets). */
  url(): string;
  stop(): Promise<void>;
}

const ASSETS_DIR = new URL('../status-page/assets/', import.meta.url);
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const { config, broker, logger } = options;
  const { host, port } = parseHostPort(config.listen ?? '') ?? { host: '127.0.0.1', port: 0 };
  const metrics = createMetricsRegistry(broker, options.providers);
  const writeRate = new WriteRate();
  const snapshot = () => buildStatus({ broker, addresses: options.addresses, providers: options.providers, recentLogs: options.recentLogs, writeRate });
  const events = new StatusEvents({ snapshot, bus: broker.bus, topics: config.status_page_topics });
  const assets = config.status_page ? loadAssets(logger) : new Map<string, Buffer>();

  const routes = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/metrics') return reply(res, 200, metrics.contentType, await metrics.scrape(), req.method === 'HEAD');
    if (!config.status_page) return reply(res, 404, TYPES['html']!, 'not found (status_page is off; metrics are on /metrics)\n');
    if (path === '/api/status') return reply(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(snapshot())}\n`, req.method === 'HEAD');
    if (path === '/api/events') {
      if (!events.add(res)) reply(res, 503, 'text/plain; charset=utf-8', 'too many status pages open\n');
      return;
    }
    const asset = assets.get(path === '/' ? '/index.html' : path);
    if (!asset) return reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    reply(res, 200, TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? TYPES['html']!, asset, req.method === 'HEAD');
  };

  const server: Server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return reply(res, 405, 'text/plain; charset=utf-8', 'read-only: GET and HEAD only\n');
    }
    const path = (req.url ?? '/').split('?')[0]!;
    void (async () => {
      if (options.authenticate && !(await checkBasicAuth(req, res, options.authenticate))) return;
      await routes(req, res, path);
    })().catch((err: unknown) => {
      logger.error({ err, path }, 'status HTTP request failed');
      if (!res.headersSent) reply(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'status HTTP listener error'));
  const address = (): { host: string; port: number } => {
    const a = server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  };
  const url = (): string => {
    const a = address();
    return `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  };
  logger.info(
    { url: url(), statusPage: config.status_page, auth: options.authenticate !== undefined },
    `metrics on ${url()}/metrics${config.status_page ? `, status page on ${url()}/` : ''}`,
  );
  return {
    address,
    url,
    stop: async () => {
      events.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function reply(res: ServerResponse, status: number, type: string, body: string | Buffer, headOnly = false): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

/** The static files of the page, read once at start (so no request ever maps to a file path). */
function loadAssets(logger: Logger): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  try {
    for (const name of readdirSync(ASSETS_DIR)) {
      if (TYPES[name.slice(name.lastIndexOf('.') + 1)]) out.set(`/${name}`, readFileSync(new URL(name, ASSETS_DIR)));
    }
  } catch (err) {
    logger.warn({ err, dir: ASSETS_DIR.pathname }, 'status page files not found (not copied by the build?); the JSON API and /metrics still work');
  }
  return out;
}
