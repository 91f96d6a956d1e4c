/**
 * The broker: owns sessions, the subscription index, retained messages and
 * the set of live connections, and wires them to the store. It implements
 * `BrokerContext` (context.ts), which is all the handlers, routing and
 * delivery see of it. Packet handling lives in `handlers/`, routing in
 * `router.ts`, delivery in `delivery.ts`; listeners and connections are
 * built by the composition root (`server.ts`), not here.
 */
import type { Logger } from 'pino';
import type { MidgeConfig } from '../config/types.js';
import { clippingLogger } from '../log-clip.js';
import type { OutboundEntry, SessionRecord, Store } from '../persistence/types.js';
import { MAX_PACKET_SIZE, storedSize } from '../limits.js';
import { RC } from '../reason-codes.js';
import { BrokerClock } from './clock.js';
import { shiftTimes } from './clock-step.js';
import type { BrokerContext, ConnectionContext } from './context.js';
import { restoreSessions } from './restore.js';
import type { BrokerHooks, ClientInfo } from './hooks.js';
import { LocalBus } from './local-bus.js';
import { RetainedIndex } from './retained.js';
import { Router } from './router.js';
import { Session } from './session.js';
import { BrokerStats } from './stats.js';
import { Subscriptions } from './subscriptions.js';
import { SysTopics } from './sys-topics.js';
import { Wills } from './wills.js';

export interface BrokerOptions {
  config: MidgeConfig;
  logger: Logger;
  store: Store;
  hooks?: BrokerHooks;
  /** Time source for expiry (tests inject one to step the wall clock). */
  clock?: BrokerClock;
}

export class Broker implements BrokerContext {
  readonly config: MidgeConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly hooks: BrokerHooks;
  readonly stats = new BrokerStats();
  /** Wall-clock ms advancing monotonically: what session, message and retained expiry compare against. */
  readonly clock: BrokerClock;
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<ConnectionContext>();
  readonly subscriptions: Subscriptions;
  readonly retained: RetainedIndex;
  readonly router: Router;
  readonly wills: Wills;
  /** In-process publish/subscribe for bridges and device adapters. */
  readonly bus: LocalBus;
  readonly maxPacketSize: number;
  /** mqtt.max_outbound_buffer in bytes (Infinity when 0): QoS 0 messages to a client buffering more are dropped. */
  readonly outboundLimit: number;
  /** Buffered bytes at which a client is disconnected: the limit itself (policy disconnect) or twice it (drop). */
  readonly outboundHardLimit: number;
  /** Message bytes (topic + payload) queued in the store for persistent sessions. */
  storedBytes = 0;
  private seq = 0;
  private readonly sys: SysTopics;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(options: BrokerOptions) {
    this.config = options.config;
    this.log = clippingLogger(options.logger); // client strings clipped in every record (log-clip.ts)
    this.store = options.store;
    this.seq = this.store.maxSeq(); // bridges may take sequence numbers before start()
    this.hooks = options.hooks ?? {};
    this.clock = options.clock ?? new BrokerClock();
    this.maxPacketSize = this.config.mqtt.max_packet_size || MAX_PACKET_SIZE;
    this.outboundLimit = this.config.mqtt.max_outbound_buffer || Infinity;
    this.outboundHardLimit = this.config.mqtt.slow_consumer_policy === 'disconnect' ? this.outboundLimit : 2 * this.outboundLimit;
    this.subscriptions = new Subscriptions();
    this.retained = new RetainedIndex(this);
    this.router = new Router(this);
    this.wills = new Wills(this);
    this.bus = new LocalBus(this);
    this.sys = new SysTopics(this);
  }

  /** Load persisted state, start timers (the listeners are opened after this: server.ts). */
  async start(): Promise<void> {
    this.seq = Math.max(this.seq, this.store.maxSeq());
    this.retained.load();
    restoreSessions(this);
    this.sweepTimer = setInterval(() => this.sweep(), 500);
    this.sweepTimer.unref();
    this.sys.start();
  }

  /**
   * Graceful stop (the listeners have stopped accepting: server.ts): tell v5
   * clients the server is shutting down (0x8B), publish wills (the network
   * connection is closed by the server without a DISCONNECT [MQTT-3.1.2-8]),
   * flush the store.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.sweepTimer);
    this.sys.stop();
    for (const conn of [...this.connections]) conn.close(RC.SERVER_SHUTTING_DOWN, 'server shutting down');
    this.wills.flushAll();
    for (const session of this.sessions.values()) {
      if (session.persistent) this.saveSession(session);
    }
    await new Promise<void>((resolve) => this.store.whenDurable(() => resolve()));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  clientInfo(conn: ConnectionContext): ClientInfo {
    return { clientId: conn.clientId, username: conn.username, remoteAddress: conn.remoteAddress, listener: conn.listenerName, listenerIndex: conn.listenerIndex,
      allowAnonymous: conn.allowAnonymous, identityFromCertificate: conn.certIdentity !== undefined };
  }

  // ---- journal: every store write of a session's state goes through here (retained: retained.ts;
  // bridge queues: bridge/). Whether an acknowledgement waits for them is decided from values the
  // routing returns (router.ts RouteResult), not from these calls. ----

  saveSession(session: Session): void {
    if (!session.persistent) return;
    const record: SessionRecord = {
      clientId: session.clientId,
      protocolVersion: session.protocolVersion,
      expiryInterval: session.expiryInterval,
      disconnectedAt: session.connection ? undefined : session.disconnectedAt,
      subscriptions: [...session.subscriptions.values()],
    };
    session.stored = true;
    this.store.saveSession(record);
  }

  journalEnqueue(session: Session, entry: OutboundEntry): void {
    if (!session.persistent) return;
    this.countStored(session, storedSize(entry));
    this.store.enqueue(session.clientId, entry);
  }

  journalUpdate(session: Session, entry: OutboundEntry): void {
    if (!session.persistent) return;
    this.store.updateEntry(session.clientId, entry.seq, { packetId: entry.packetId, state: entry.state });
  }

  journalRemove(session: Session, entry: OutboundEntry): void {
    if (!session.persistent) return;
    this.countStored(session, -storedSize(entry));
    this.store.removeEntry(session.clientId, entry.seq);
  }

  /** Track message bytes held in the store for persistent sessions (persistence.max_store_bytes). */
  countStored(session: Session, delta: number): void {
    session.storedBytes += delta;
    this.storedBytes += delta;
  }

  /** Returns whether it was written (only a persistent session's ids are). */
  journalInboundQos2(session: Session, packetId: number, add: boolean): boolean {
    if (!session.persistent) return false;
    if (add) this.store.addInboundQos2(session.clientId, packetId);
    else this.store.removeInboundQos2(session.clientId, packetId);
    return true;
  }

  // ---- lifecycle of sessions ----

  /** End a session: drop its subscriptions, queue and stored state. */
  destroySession(session: Session): void {
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    for (const sub of session.subscriptions.values()) this.subscriptions.remove(session, sub.filter);
    session.subscriptions.clear();
    this.countStored(session, -session.storedBytes);
    session.queue.length = 0;
    session.queuedQos0 = 0;
    session.inflight.clear();
    if (session.stored) {
      session.stored = false;
      this.store.deleteSession(session.clientId);
    }
  }

  /** Called by a Connection once its socket is gone, whatever the cause. */
  connectionClosed(conn: ConnectionContext, wasConnected: boolean): void {
    this.connections.delete(conn);
    if (!wasConnected) return;
    this.stats.clientsConnected--;
    this.hooks.onDisconnect?.(this.clientInfo(conn));
    const session = conn.session;
    if (!session || session.connection !== conn) return; // taken over: the new connection owns it
    session.connection = null;
    session.disconnectedAt = this.clock.now();
    const sendWill = conn.will !== undefined && !conn.cleanDisconnect;
    if (this.log.isLevelEnabled('debug')) this.log.debug({ clientId: conn.clientId, will: sendWill }, 'client disconnected');
    if (session.expiryInterval === 0) this.destroySession(session);
    else this.saveSession(session);
    if (sendWill) this.wills.schedule(conn, session);
  }

  /** Periodic sweep: connect timeouts, keepalive [MQTT-3.1.2-24], session expiry. */
  private sweep(): void {
    const now = performance.now();
    const connectTimeout = this.config.mqtt.connect_timeout * 1000;
    for (const conn of this.connections) {
      if (conn.state === 'new' && connectTimeout > 0 && now - conn.openedAt > connectTimeout) {
        this.log.info({ remote: conn.remoteAddress }, 'no CONNECT within connect_timeout; closing');
        conn.close();
      } else if (conn.state === 'connected' && conn.keepalive > 0 && now - conn.lastActivity > conn.keepalive * 1500) {
        // [MQTT-3.1.2-24] close if nothing received within 1.5 x keepalive
        this.log.info({ clientId: conn.clientId }, 'keepalive timeout');
        conn.close(RC.KEEP_ALIVE_TIMEOUT, 'keep alive timeout');
      }
    }
    const step = this.clock.checkStep();
    if (step !== 0) shiftTimes(this, step);
    const wall = this.clock.now();
    for (const session of this.sessions.values()) {
      if (session.expired(wall)) {
        this.log.debug({ clientId: session.clientId }, 'session expired');
        this.wills.sessionEnded(session.clientId);
        this.destroySession(session);
      }
    }
  }
}
