/**
 * The shape of GET /api/status: what the status page, the SSE stream and
 * `midge status` read. Plain JSON.
 */
import type { AdapterStatus, BridgeStatus } from '../status-types.js';
import type { RecentLogLine } from '../log-recent.js';

export type DropReason = 'queue_full' | 'expired' | 'too_large' | 'slow_consumer' | 'store_full' | 'not_authorized';

export interface ClientStatus {
  clientId: string;
  username: string | null;
  connected: boolean;
  /** `address:port`, null while offline. */
  remoteAddress: string | null;
  protocolVersion: 3 | 4 | 5;
  /** Seconds since the connection opened; null while offline. */
  connectedSeconds: number | null;
  subscriptions: number;
  /** Messages waiting to be sent plus those in flight. */
  queued: number;
  dropped: number;
}

export interface GatewayStatus {
  version: string;
  /** Epoch ms of this snapshot. */
  now: number;
  uptimeSeconds: number;
  health: { ok: boolean; problems: string[] };
  broker: {
    listeners: Array<{ address: string; protocol: string; tls: boolean }>;
    clientsConnected: number;
    clientsMaximum: number;
    sessionsOffline: number;
    subscriptions: number;
    retained: number;
    publishReceived: number;
    publishSent: number;
    bytesReceived: number;
    bytesSent: number;
    dropped: Record<DropReason, number>;
    /** Inbound PUBLISHes refused (ACL, rate limit). */
    refused: number;
  };
  store: {
    enabled: boolean; queuedMessages: number; queuedBytes: number; fileBytes: number; errors: number;
    /** Bytes midge caused to be written to storage since start (Linux /proc/self/io), and per day at the recent rate. */
    writtenBytes?: number; writesPerDay?: number;
  };
  process: { pid: number; node: string; rssBytes: number; heapUsedBytes: number };
  /** At most `clientsLimit` entries, connected first. */
  clients: ClientStatus[];
  clientsTotal: number;
  bridges: BridgeStatus[];
  adapters: AdapterStatus[];
  logs: RecentLogLine[];
}
