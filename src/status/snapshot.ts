/**
 * Builds the gateway status (GET /api/status, the status page, `midge
 * status`) from the live broker and the component status providers. Costs
 * one pass over the sessions; called on request and once a second while a
 * status page is open.
 */
import { statSync } from 'node:fs';
import type { Broker } from '../broker/broker.js';
import type { ListenerAddress } from '../broker/listeners.js';
import type { Session } from '../broker/session.js';
import type { RecentLogs } from '../log-recent.js';
import { databaseFile } from '../persistence/open-store.js';
import type { AdapterStatus, BridgeStatus, StatusProviders } from '../status-types.js';
import { VERSION } from '../version.js';
import { processWriteBytes, type WriteRate } from './write-rate.js';
import type { ClientStatus, DropReason, GatewayStatus } from './status-json.js';

export interface StatusSources {
  broker: Broker;
  /** The broker's listener addresses. */
  addresses: () => ListenerAddress[];
  providers: StatusProviders;
  recentLogs?: RecentLogs;
  /** Samples of the bytes written, for the writes-per-day estimate (one per status server). */
  writeRate?: WriteRate;
}

/** Clients listed in one snapshot (connected first); `clientsTotal` has the real number. */
export const CLIENTS_LIMIT = 200;
const LOG_LINES = 50;

export function buildStatus(src: StatusSources): GatewayStatus {
  const { broker, providers } = src;
  const s = broker.stats;
  const written = broker.config.persistence.enabled ? processWriteBytes() : undefined;
  const perDay = src.writeRate?.perDay(written);
  let offline = 0;
  let queuedMessages = 0;
  const online: Session[] = [];
  const offlineList: Session[] = [];
  for (const session of broker.sessions.values()) {
    queuedMessages += session.queue.length + session.inflightCount;
    if (session.connection) online.push(session);
    else {
      offline++;
      offlineList.push(session);
    }
  }
  const listed = [...online, ...offlineList].slice(0, CLIENTS_LIMIT).map(clientStatus);
  const { bridges, adapters } = readProviders(providers, broker);
  const dropped: Record<DropReason, number> = {
    queue_full: s.droppedQueueFull,
    expired: s.droppedExpired,
    too_large: s.droppedTooLarge,
    slow_consumer: s.droppedSlowConsumer,
    store_full: s.droppedStoreFull,
    not_authorized: s.droppedNotAuthorized,
  };
  const mem = process.memoryUsage();
  const problems = [
    ...bridges.filter((b) => b.state === 'backoff' || b.state === 'stopped').map((b) => `bridge ${b.name} ${b.state === 'backoff' ? 'cannot connect (retrying)' : 'is stopped'}${b.lastError ? `: ${b.lastError}` : ''}`),
    ...adapters.filter((a) => a.state === 'error').map((a) => `${a.kind} ${a.name}: ${a.lastError ?? 'error'}`),
    ...(s.storeErrors > 0 ? [`${s.storeErrors} store write(s) failed since start (disk full or I/O error?)`] : []),
  ];
  return {
    version: VERSION,
    now: Date.now(),
    uptimeSeconds: Math.floor((performance.now() - s.startedAt) / 1000), // startedAt is monotonic
    health: { ok: problems.length === 0, problems },
    broker: {
      listeners: src.addresses().map((a) => ({
        address: a.socketPath ?? (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`),
        protocol: a.protocol,
        tls: a.tls === true,
      })),
      clientsConnected: s.clientsConnected,
      clientsMaximum: s.clientsMaximum,
      sessionsOffline: offline,
      subscriptions: broker.subscriptions.size,
      retained: broker.retained.size,
      publishReceived: s.publishReceived,
      publishSent: s.publishSent,
      bytesReceived: s.bytesReceived,
      bytesSent: s.bytesSent,
      dropped,
      refused: s.publishDropped,
    },
    store: {
      enabled: broker.config.persistence.enabled,
      queuedMessages,
      queuedBytes: broker.storedBytes,
      fileBytes: storeFileBytes(broker),
      errors: s.storeErrors,
      ...(written !== undefined ? { writtenBytes: written } : {}),
      ...(perDay !== undefined ? { writesPerDay: Math.round(perDay) } : {}),
    },
    process: { pid: process.pid, node: process.version, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    clients: listed,
    clientsTotal: broker.sessions.size,
    bridges,
    adapters,
    logs: src.recentLogs?.lines(LOG_LINES) ?? [],
  };
}

/** Bytes of the SQLite database and its write-ahead log; 0 without persistence. */
export function storeFileBytes(broker: Broker): number {
  const p = broker.config.persistence;
  if (!p.enabled) return 0;
  const db = databaseFile(p);
  let total = 0;
  for (const file of [db, `${db}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {
      // no WAL file yet, or the directory was removed: counts as 0
    }
  }
  return total;
}

function clientStatus(session: Session): ClientStatus {
  const conn = session.connection;
  return {
    clientId: session.clientId,
    username: (conn ? conn.username : session.username) ?? null,
    connected: conn !== null,
    remoteAddress: conn ? conn.remoteAddress : null,
    protocolVersion: session.protocolVersion,
    connectedSeconds: conn ? Math.floor((performance.now() - conn.openedAt) / 1000) : null,
    subscriptions: session.subscriptionCount,
    queued: session.queue.length + session.inflightCount,
    dropped: session.dropped,
  };
}

/** A provider that throws (a component bug) is logged and reads as empty: it must not take the page or /metrics down. */
export function readProviders(providers: StatusProviders, broker: Broker): { bridges: BridgeStatus[]; adapters: AdapterStatus[] } {
  const read = <T>(what: string, fn: () => T[]): T[] => {
    try {
      return fn();
    } catch (err) {
      broker.log.error({ err }, `status of the ${what} could not be read`);
      return [];
    }
  };
  return { bridges: read('bridges', () => providers.bridges()), adapters: read('adapters', () => providers.adapters()) };
}
