/**
 * What the packet handlers, dispatch, routing, delivery and wills see of the
 * broker and of a client connection: two interfaces, implemented by
 * `broker.ts` and `connection.ts`. This module imports none of the modules
 * that implement or use them (only plain state: sessions, subscriptions,
 * retained messages, the bus, stats, clock), so the broker's files form no
 * import circle: broker -> router -> delivery -> context, connection ->
 * dispatch -> handlers -> context, and the composition root
 * (`server.ts`, `gateway.ts`) wires the broker, listeners and connections.
 */
import type { Logger } from 'pino';
import type { MidgeConfig } from '../config/types.js';
import type { OutboundEntry, QueueRef, Store, StoredMessage } from '../persistence/types.js';
import type { ClientLink } from './client-link.js';
import type { BrokerClock } from './clock.js';
import type { BrokerHooks, ClientInfo } from './hooks.js';
import type { LocalBus } from './local-bus.js';
import type { OrderedAcks } from './ordered-acks.js';
import type { PublishRateLimiter } from './publish-rate.js';
import type { RetainedIndex } from './retained.js';
import type { Session } from './session.js';
import type { BrokerStats } from './stats.js';
import type { Subscriptions } from './subscriptions.js';

/**
 * What routing did with one message, returned to the caller so that it
 * decides the publisher's acknowledgement from this value alone.
 */
export interface RouteResult {
  /** Sessions and internal subscribers it was given to. */
  delivered: number;
  /**
   * Subscriptions whose filter matched, given the message or not (No Local, read ACL): v5 PUBACK 0x10
   * No matching subscribers only when 0, as mosquitto (subs.c subs__process: a no-local leaf still counts).
   */
  matched: number;
  /** Store writes were issued for it (queues, retained, bridge): acknowledge once they are durable. */
  stored: boolean;
  /**
   * Queue entries written for it that are already in flight to connected
   * receivers: acknowledge once they are durable or once each receiver has
   * acknowledged it, whichever is first (only when `stored` is false).
   */
  inflight: QueueRef[] | undefined;
  /** Some destination had no room in the store for it (v5: 0x97 Quota exceeded). */
  quotaHit: boolean;
}

/** Routing of one application message (`router.ts`). */
export interface MessageRouter {
  /** Route a message published by `origin` (null for the broker itself). */
  publish(message: StoredMessage, origin: Session | null): RouteResult;
}

/** Will messages (`wills.ts`). */
export interface WillSchedule {
  /** The connection ended abnormally: publish its will now or after the delay. */
  schedule(conn: ConnectionContext, session: Session): void;
  /** The client connected again within the will delay: its will is not published. */
  cancel(clientId: string): void;
  /** The session ended: a will still delayed is published now. */
  sessionEnded(clientId: string): void;
  /** Server shutdown: every delayed will is published now. */
  flushAll(): void;
}

/** The broker as its packet handlers, routing and delivery see it (`broker.ts` implements it). */
export interface BrokerContext {
  readonly config: MidgeConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly hooks: BrokerHooks;
  readonly stats: BrokerStats;
  /** Wall-clock ms advancing monotonically: what session, message and retained expiry compare against. */
  readonly clock: BrokerClock;
  readonly sessions: Map<string, Session>;
  readonly connections: Set<ConnectionContext>;
  readonly subscriptions: Subscriptions;
  readonly retained: RetainedIndex;
  readonly router: MessageRouter;
  readonly wills: WillSchedule;
  /** In-process publish/subscribe for bridges and device adapters. */
  readonly bus: LocalBus;
  readonly maxPacketSize: number;
  /** mqtt.max_outbound_buffer in bytes (Infinity when 0): QoS 0 messages to a client buffering more are dropped. */
  readonly outboundLimit: number;
  /** Buffered bytes at which a client is disconnected: the limit itself (policy disconnect) or twice it (drop). */
  readonly outboundHardLimit: number;
  /** Message bytes (topic + payload) queued in the store for persistent sessions. */
  storedBytes: number;
  readonly isStopping: boolean;
  nextSeq(): number;
  clientInfo(conn: ConnectionContext): ClientInfo;
  saveSession(session: Session): void;
  journalEnqueue(session: Session, entry: OutboundEntry): void;
  journalUpdate(session: Session, entry: OutboundEntry): void;
  journalRemove(session: Session, entry: OutboundEntry): void;
  /** Track message bytes held in the store for persistent sessions (persistence.max_store_bytes). */
  countStored(session: Session, delta: number): void;
  /** Returns whether it was written (only a persistent session's ids are). */
  journalInboundQos2(session: Session, packetId: number, add: boolean): boolean;
  /** End a session: drop its subscriptions, queue and stored state. */
  destroySession(session: Session): void;
  /** Called by a connection once its socket is gone, whatever the cause. */
  connectionClosed(conn: ConnectionContext, wasConnected: boolean): void;
}

/** A client connection as the handlers see it (`connection.ts` implements it). */
export interface ConnectionContext extends ClientLink {
  readonly id: number;
  readonly broker: BrokerContext;
  readonly log: Logger;
  session: Session | null;
  /** Verified client-certificate Common Name (`use_identity_as_username`) or RFC 2253 subject (`use_subject_as_username`): replaces the CONNECT username. */
  certIdentity: string | undefined;
  /** The listener takes the username from the certificate: without `certIdentity` the CONNECT is refused. */
  readonly certIdentityRequired: boolean;
  /** 3.1/3.1.1 CONNECT with bit 7 of the protocol level set (a mosquitto bridge): no-local, retain-as-published subscriptions. */
  bridgeClient: boolean;
  /** Per-client PUBLISH rate limit (listener `max_publish_rate`), if any. */
  publishLimiter: PublishRateLimiter | undefined;
  /** Seconds; 0 = no keepalive. */
  keepalive: number;
  lastActivity: number;
  /** Topic aliases the client gave us (v5). */
  readonly inboundAliases: Map<number, string>;
  requestProblemInformation: boolean;
  /** Inbound QoS 1/2 PUBLISHes not yet acknowledged (our Receive Maximum). */
  inboundUnacked: number;
  /** Acknowledgements of inbound packets, in arrival order [MQTT-4.6.0-2] (some wait for the store). */
  readonly acks: OrderedAcks;
  /** v5: inbound QoS 2 ids received on this connection and not yet released, counted against our Receive Maximum. */
  unreleasedQos2: Set<number> | undefined;
  /** Set when a DISCONNECT was received: suppresses the will unless 0x04. */
  cleanDisconnect: boolean;
  /** Listener policy: may clients connect without a user name? */
  readonly allowAnonymous: boolean;
  /** Largest packet accepted (listener `max_packet_size`, else the broker's). */
  readonly maxPacketSize: number;
  /** A protocol violation or internal failure: report it (v5) and close only this client. */
  protocolError(err: unknown): void;
}
