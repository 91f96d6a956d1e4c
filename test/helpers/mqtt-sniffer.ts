/**
 * An MQTT-aware fault proxy: every byte passes unchanged (see fault-proxy.ts,
 * including its faults and TLS termination) while both directions are parsed
 * with mqtt-packet (protocol version taken from each CONNECT) and recorded:
 * CONNECTs, CONNACKs, PUBLISH client->server and server->client, PUBACKs
 * server->client. From these it computes the in-flight window and publish
 * rate a cloud would see (AWS IoT: at most 100 unacknowledged, 100 msg/s).
 * Times are performance.now() when the proxy delivered the packet onward.
 */
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, Packet, Parser } from 'mqtt-packet';
import { startFaultProxy, type Direction, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
import { waitFor } from './wait.js';

export type UserProperties = Record<string, string | string[]>;

export interface SniffedConnect {
  at: number;
  connId: number;
  clientId: string;
  username?: string;
  password?: string;
  keepalive: number;
  clean: boolean;
  protocolVersion: number;
  properties?: IConnectPacket['properties'];
  will?: IConnectPacket['will'];
}

export interface SniffedConnack {
  at: number;
  connId: number;
  /** v3 returnCode or v5 reasonCode. */
  code: number;
  sessionPresent: boolean;
  properties?: Record<string, unknown>;
}

export interface SniffedPublish {
  at: number;
  connId: number;
  topic: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  messageId?: number;
  payload: Buffer;
  userProperties?: UserProperties;
  properties?: Record<string, unknown>;
}

export interface SniffedAck {
  at: number;
  connId: number;
  messageId: number;
  reasonCode?: number;
}

export interface MqttSniffer {
  /** The proxy underneath: faults (drop/blackhole/delay/refuse/resume) apply to sniffed traffic too. */
  proxy: FaultProxy;
  port: number;
  connects: SniffedConnect[];
  connacks: SniffedConnack[];
  /** PUBLISH client -> server (what the cloud receives), retransmissions included. */
  publishes: SniffedPublish[];
  /** PUBLISH server -> client (cloud to bridge). */
  inbound: SniffedPublish[];
  /** PUBACK server -> client. */
  pubacks: SniffedAck[];
  /** Packets parsed so far per direction and command, e.g. counts.up.pingreq. */
  counts: Record<Direction, Record<string, number>>;
  /** Parse errors (the bytes were still forwarded). */
  errors: string[];
  /** Max over time of client->server QoS>0 PUBLISH not yet acknowledged, per connection (all connections: the max). */
  maxInFlight(connId?: number): number;
  /** Max number of client->server PUBLISH in any window of `windowMs` (default 1000). */
  maxRatePerSecond(windowMs?: number, connId?: number): number;
  waitPublishes(n: number, timeoutMs?: number): Promise<SniffedPublish[]>;
  waitConnects(n: number, timeoutMs?: number): Promise<SniffedConnect[]>;
  close(): Promise<void>;
}

/** mqtt-packet keeps the protocol level in `settings` (set from CONNECT on the client side only). */
type VersionedParser = Parser & { settings: { protocolVersion?: number } };

interface ConnState {
  up: VersionedParser;
  down: VersionedParser;
  inFlight: Set<number>;
  maxInFlight: number;
}

const text = (b: unknown): string | undefined => (b === undefined || b === null ? undefined : Buffer.isBuffer(b) ? b.toString('utf8') : String(b));

/** Max count of sorted times within any half-open window [t, t + windowMs). */
export function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export async function startMqttSniffer(options: Omit<FaultProxyOptions, 'tap'>): Promise<MqttSniffer> {
  const conns = new Map<number, ConnState>();
  const connects: SniffedConnect[] = [];
  const connacks: SniffedConnack[] = [];
  const publishes: SniffedPublish[] = [];
  const inbound: SniffedPublish[] = [];
  const pubacks: SniffedAck[] = [];
  const errors: string[] = [];
  const counts: Record<Direction, Record<string, number>> = { up: {}, down: {} };
  const maxByConn = new Map<number, number>();
  let now = 0;

  const publishOf = (p: Packet & { cmd: 'publish' }, connId: number): SniffedPublish => ({
    at: now,
    connId,
    topic: p.topic,
    qos: p.qos,
    retain: p.retain,
    dup: p.dup,
    messageId: p.qos > 0 ? p.messageId : undefined,
    payload: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
    userProperties: p.properties?.userProperties as UserProperties | undefined,
    properties: p.properties as Record<string, unknown> | undefined,
  });

  const release = (s: ConnState, id: number | undefined): void => {
    if (id !== undefined) s.inFlight.delete(id);
  };

  function onPacket(connId: number, s: ConnState, dir: Direction, p: Packet): void {
    counts[dir][p.cmd] = (counts[dir][p.cmd] ?? 0) + 1;
    if (dir === 'up') {
      if (p.cmd === 'connect') {
        s.down.settings.protocolVersion = p.protocolVersion ?? 4;
        connects.push({ at: now, connId, clientId: p.clientId, username: p.username, password: text(p.password),
          keepalive: p.keepalive ?? 0, clean: p.clean ?? true, protocolVersion: p.protocolVersion ?? 4,
          properties: p.properties, will: p.will });
      } else if (p.cmd === 'publish') {
        publishes.push(publishOf(p, connId));
        if (p.qos > 0 && p.messageId !== undefined) {
          s.inFlight.add(p.messageId);
          s.maxInFlight = Math.max(s.maxInFlight, s.inFlight.size);
          maxByConn.set(connId, s.maxInFlight);
        }
      }
      return;
    }
    if (p.cmd === 'connack') {
      connacks.push({ at: now, connId, code: p.reasonCode ?? p.returnCode ?? 0, sessionPresent: p.sessionPresent,
        properties: p.properties as Record<string, unknown> | undefined });
    } else if (p.cmd === 'publish') {
      inbound.push(publishOf(p, connId));
    } else if (p.cmd === 'puback') {
      pubacks.push({ at: now, connId, messageId: p.messageId ?? 0, reasonCode: p.reasonCode });
      release(s, p.messageId);
    } else if (p.cmd === 'pubcomp' || (p.cmd === 'pubrec' && (p.reasonCode ?? 0) >= 0x80)) {
      release(s, p.messageId);
    }
  }

  function state(connId: number): ConnState {
    let s = conns.get(connId);
    if (!s) {
      const up = mqttPacket.parser({ protocolVersion: 4 }) as VersionedParser;
      const down = mqttPacket.parser({ protocolVersion: 4 }) as VersionedParser;
      s = { up, down, inFlight: new Set(), maxInFlight: 0 };
      const st = s;
      for (const [dir, parser] of [['up', up], ['down', down]] as const) {
        parser.on('packet', (p: Packet) => onPacket(connId, st, dir, p));
        parser.on('error', (err: Error) => errors.push(`conn ${connId} ${dir}: ${err.message}`));
      }
      conns.set(connId, s);
    }
    return s;
  }

  const proxy = await startFaultProxy({
    ...options,
    tap: {
      data(connId, dir, chunk, at) {
        now = at;
        const s = state(connId);
        try {
          (dir === 'up' ? s.up : s.down).parse(chunk);
        } catch (err) {
          errors.push(`conn ${connId} ${dir}: ${(err as Error).message}`);
        }
      },
      close(connId) {
        conns.delete(connId);
      },
    },
  });

  return {
    proxy,
    port: proxy.port,
    connects,
    connacks,
    publishes,
    inbound,
    pubacks,
    counts,
    errors,
    maxInFlight(connId) {
      if (connId !== undefined) return maxByConn.get(connId) ?? 0;
      return Math.max(0, ...maxByConn.values());
    },
    maxRatePerSecond(windowMs = 1000, connId) {
      const times = publishes.filter((p) => connId === undefined || p.connId === connId).map((p) => p.at);
      return maxInWindow(times, windowMs);
    },
    async waitPublishes(n, timeoutMs = 5000) {
      await waitFor(() => publishes.length >= n, timeoutMs, `${n} sniffed PUBLISH, got ${publishes.length}`);
      return publishes;
    },
    async waitConnects(n, timeoutMs = 5000) {
      await waitFor(() => connects.length >= n, timeoutMs, `${n} sniffed CONNECT, got ${connects.length}`);
      return connects;
    },
    close: () => proxy.close(),
  };
}
