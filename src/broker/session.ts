/**
 * Per-client session state [MQTT-4.1]: subscriptions, the outbound queue
 * and in-flight window, inbound QoS 2 packet ids, and expiry. A session
 * outlives its connection when its expiry interval is non-zero.
 */
import type { OutboundEntry, SubscriptionRecord } from '../persistence/types.js';
import type { ClientLink } from './client-link.js';
import { InflightMap } from './inflight-map.js';

export const NEVER_EXPIRES = 0xffffffff;

export class Session {
  /** Messages waiting to be sent, oldest first. */
  readonly queue: OutboundEntry[] = [];
  // The collections below are created on first use: an idle client needs none of them.
  private subs: Map<string, SubscriptionRecord> | undefined;
  private sent: InflightMap | undefined;
  private unreleased: Set<number> | undefined;
  connection: ClientLink | null = null;
  /** User name of the last connection (ACL checks while offline). */
  username: string | undefined;
  /** The listener of the last connection (per-listener ACLs for an offline session); unknown after a restart. */
  listenerIndex: number | undefined;
  /** Wall-clock ms of the last disconnect, while offline. */
  disconnectedAt: number | undefined;
  queuedBytes = 0;
  /** Message bytes of this session held in the store (queue and in flight). */
  storedBytes = 0;
  /** QoS 0 entries in `queue` (so a full queue of QoS 1/2 is not scanned for one). */
  queuedQos0 = 0;
  /** performance.now() of the last sweep of expired entries from a full queue. */
  lastPurgeAt = -Infinity;
  /** Set once the session has been written to the store (so it must be deleted there too). */
  stored = false;
  /** Messages dropped because the queue was full (for metrics). */
  dropped = 0;
  private nextPacketId = 1;

  constructor(
    readonly clientId: string,
    public protocolVersion: 3 | 4 | 5,
    /** Seconds; 0 = ends with the connection; NEVER_EXPIRES = kept forever. */
    public expiryInterval: number,
  ) {}

  /** Subscriptions by filter. */
  get subscriptions(): Map<string, SubscriptionRecord> {
    return (this.subs ??= new Map());
  }

  /** QoS 1/2 messages sent and not yet completed, by packet id, in send order. */
  get inflight(): InflightMap {
    return (this.sent ??= new InflightMap());
  }

  /** Inbound QoS 2 packet ids received and not yet released [MQTT-4.3.3-10]. */
  get inboundQos2(): Set<number> {
    return (this.unreleased ??= new Set());
  }

  /** Number of subscriptions, without creating the collection (status page). */
  get subscriptionCount(): number {
    return this.subs?.size ?? 0;
  }

  /** Number of messages in flight, without creating the collection (status page). */
  get inflightCount(): number {
    return this.sent?.size ?? 0;
  }

  /** Journaled to the store when it outlives its connection. */
  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  /** Next free packet id, skipping ids still in flight [MQTT-2.2.1-3]; 0 when all 65535 are in use. */
  allocatePacketId(): number {
    if (this.inflight.size >= 65535) return 0;
    for (;;) {
      const id = this.nextPacketId;
      this.nextPacketId = id === 65535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
  }

  /** True once the session has been offline longer than its expiry interval. */
  expired(now: number): boolean {
    if (this.connection || this.disconnectedAt === undefined) return false;
    if (this.expiryInterval === NEVER_EXPIRES) return false;
    return now - this.disconnectedAt >= this.expiryInterval * 1000;
  }
}
