/**
 * One running bridge: local `out` messages into the durable queue, a
 * connection upstream (failover over `addresses`, decorrelated-jitter
 * backoff, lazy start), the Sender draining the queue on each connection,
 * `in` messages (and Azure's built-in topics) published locally, the
 * connection state published retained, and credentials renewed by
 * reconnecting before they expire (Azure SAS).
 */
import type { IConnackPacket, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Bus, TapResult } from '../bus.js';
import type { Store, StoredMessage } from '../persistence/types.js';
import type { BridgeState, BridgeStatus } from '../status-types.js';
import { publishInbound, subscribeRemote, type InboundPacket, type InboundSink } from './inbound.js';
import { Backoff } from '../util/backoff.js';
import { endLink, linkOptions, openLink } from './link.js';
import { DROP_WORDS, OutboundQueue, type DropReason } from './outbound-queue.js';
import type { BridgePlan } from '../config/bridge-plan.js';
import { RateMeter } from './rate-meter.js';
import { Sender } from './sender.js';
import { localSubscriptions } from '../topics/bridge-topic-map.js';
import { remoteRouteFor } from './outbound-route.js';
import { describeLink, LinkTimers } from './link-timers.js';
import { explainTlsError } from '../tls/tls-errors.js';

export interface BridgeDeps {
  bus: Bus;
  store: Store;
  /** Store-wide sequence numbers (the broker's). */
  nextSeq(): number;
  logger: Logger;
  random?: () => number;
}

export class Bridge {
  readonly queue: OutboundQueue;
  private state: BridgeState | undefined;
  private client: MqttClient | undefined;
  private sender: Sender | undefined;
  private readonly backoff: Backoff;
  private readonly timers = new LinkTimers();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly log: Logger;
  private readonly sent = new RateMeter();
  private addressIndex = 0;
  private address: string | undefined;
  private delivering = false;
  private lastLocal: StoredMessage | undefined;
  private twinRid = 0;
  private stopped = false;
  private counters = { sent: 0, received: 0, connects: 0 };
  private lastError: string | undefined;
  private deadLetters: number;
  private readonly inbound: InboundSink;

  constructor(
    readonly plan: BridgePlan,
    private readonly deps: BridgeDeps,
  ) {
    this.log = deps.logger.child({ bridge: plan.name });
    this.queue = new OutboundQueue(plan.name, deps.store.bridgeQueue, plan.queue, Date.now, (reason) => this.logDrop(reason));
    this.deadLetters = deps.store.bridgeQueue.deadLetterCount(plan.name);
    this.backoff = new Backoff({ ...plan.backoff, ...(deps.random ? { random: deps.random } : {}) });
    this.inbound = {
      bus: deps.bus,
      log: this.log,
      warn: (key, message, fields) => this.timers.rateLimitedWarn(this.log, key, message, fields),
      taken: () => {
        this.counters.received++;
        this.timers.touch();
      },
    };
  }

  start(): void {
    const filters = localSubscriptions(this.plan.rules).map((s) => s.filter);
    filters.push(...(this.plan.profile.routes?.localFilters() ?? []));
    for (const f of filters) this.unsubscribe.push(this.deps.bus.subscribe(f, (m) => this.onLocal(m)));
    this.notify(false);
    if (this.queue.messages > 0) this.log.info({ queued: this.queue.messages, bytes: this.queue.bytes }, 'queued messages from before the restart will be sent');
    if (!this.plan.lazy || this.queue.pending >= this.plan.lazy.threshold) this.connect();
    else this.setState('idle');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.timers.clearAll();
    this.sender?.pause(); // PUBACKs still delete their rows while the connection closes
    const client = this.client;
    if (client) await endLink(client, 2000);
    this.sender?.stop();
    this.client = undefined;
    this.setState('stopped');
    this.notify(false);
  }

  status(): BridgeStatus {
    return {
      name: this.plan.name,
      type: this.plan.type,
      state: this.state ?? 'idle',
      address: this.address,
      ...this.queue.statusFields(Date.now()),
      inFlight: this.sender?.inFlight ?? 0,
      sentTotal: this.counters.sent,
      receivedTotal: this.counters.received,
      deadLetters: this.deadLetters,
      sendRate: this.sent.rate(),
      connectsTotal: this.counters.connects,
      lastError: this.lastError,
    };
  }

  /**
   * A routed local message matching one of our local filters: says whether it was queued in the
   * store ('stored': the publisher's ack waits for it) or refused ('quota': v5 publishers get 0x97).
   * Never throws: a failure refuses the message.
   */
  private onLocal(message: StoredMessage): TapResult {
    if (this.delivering || message === this.lastLocal) return undefined; // our own inbound delivery, or a second matching filter
    this.lastLocal = message;
    try {
      return this.queueLocal(message);
    } catch (err) {
      // not queued: the publisher must not get a success (v5: 0x97; 3.1.1 cannot be told)
      this.queue.dropped.rejected++;
      this.timers.rateLimitedWarn(this.log, 'enqueue', `cannot queue a message for the bridge: ${(err as Error).message}`, { err });
      return 'quota';
    }
  }

  private queueLocal(message: StoredMessage): TapResult {
    const route = remoteRouteFor(this.plan, message, () => String(++this.twinRid));
    if (route === null) return undefined;
    const { topic, qos } = route;
    if (qos === 0 && !this.plan.queue.qos0 && this.state !== 'connected') {
      this.queue.dropped.offline_qos0++;
      this.logDrop('offline_qos0');
      return undefined;
    }
    const entry = { seq: this.deps.nextSeq(), message: { ...message, topic, qos } };
    if (!this.queue.enqueue(entry)) {
      this.timers.rateLimitedWarn(this.log, 'queue full', `bridge queue full (${this.queue.messages} messages, ${this.queue.bytes} bytes); new messages refused (queue_policy ${this.plan.queue.policy})`);
      return 'quota';
    }
    if (this.sender) this.sender.pump();
    else if (this.state === 'idle' && this.plan.lazy && this.queue.pending >= this.plan.lazy.threshold) this.connect();
    return 'stored';
  }

  private connect(): void {
    if (this.stopped) return;
    this.timers.clear('reconnect');
    this.setState('connecting');
    const address = this.plan.addresses[this.addressIndex % this.plan.addresses.length]!;
    this.address = `${address.host}:${address.port}`;
    this.counters.connects++;
    const handlers = {
      inbound: (topic: string, payload: Buffer, packet: InboundPacket) => this.onRemote(topic, payload, packet),
      whenDurable: (cb: (err?: Error) => void) => this.deps.store.whenDurable(cb),
    };
    let options;
    try {
      options = linkOptions(this.plan, address, this.plan.profile.connectionParams(), handlers);
    } catch (err) {
      this.onDown(err as Error);
      return;
    }
    openLink(options, handlers).then(
      ({ client, connack }) => this.onUp(client, connack),
      (err: Error) => this.onDown(err),
    );
  }

  private onUp(client: MqttClient, connack: IConnackPacket): void {
    if (this.stopped) {
      client.end(true);
      return;
    }
    this.client = client;
    this.backoff.connected(performance.now());
    this.lastError = undefined;
    this.setState('connected');
    this.log.info({ address: this.address, queued: this.queue.messages }, 'bridge connected');
    this.notify(true);
    client.on('close', () => {
      if (this.client === client) this.onDown(undefined);
    });
    client.on('error', (err) => {
      this.lastError = err.message;
    });
    subscribeRemote(client, this.plan, this.log);
    this.sender = new Sender(client, connack, this.queue, this.plan, this.deps.store.storeId, {
      acked: (n) => {
        this.counters.sent += n;
        this.sent.add(n);
        this.timers.touch();
      },
      deadLettered: (entry, reason) => {
        this.deadLetters++;
        this.timers.rateLimitedWarn(this.log, 'dead', `message to '${entry.message.topic}' can never be accepted upstream, moved to the dead-letter table: ${reason}`);
      },
      stalled: (why) => {
        this.timers.rateLimitedWarn(this.log, 'stalled', `${why}: reconnecting after a pause to send again`);
        if (this.client === client) client.end(true); // close handler: rewind, backoff, reconnect
      },
      storeError: (err) => {
        this.lastError = String((err as Error).message ?? err);
        this.timers.rateLimitedWarn(this.log, 'store', `cannot read the bridge queue (${this.lastError}); retrying, nothing is lost`, { err });
      },
    });
    this.sender.pump();
    this.timers.onConnected(this, this.plan, client);
  }

  /** Forget the link: the sender stops, unacknowledged messages go back to the queue's head, the socket closes. */
  private dropLink(): void {
    this.sender?.stop();
    this.sender = undefined;
    const client = this.client;
    this.client = undefined;
    this.queue.rewind();
    this.timers.onDisconnected();
    client?.end(true);
  }

  private onDown(err: Error | undefined): void {
    this.dropLink();
    if (this.stopped) return;
    const wasUp = this.state === 'connected';
    if (err) this.lastError = explainTlsError(err, 'bridge') ?? err.message;
    this.notify(false);
    if (wasUp) this.addressIndex = 0;
    else this.addressIndex++;
    if (this.plan.lazy && this.queue.pending < this.plan.lazy.threshold && wasUp) {
      this.setState('idle');
      return;
    }
    const delay = this.backoff.disconnected(performance.now()); // monotonic: a clock step must not reset it
    this.setState('backoff');
    const fields = { address: this.address, retryInMs: Math.round(delay), err: this.lastError, queued: this.queue.messages };
    if (wasUp) this.log.warn(fields, `${describeLink(this.plan)} connection lost`);
    else this.timers.rateLimitedWarn(this.log, 'connect', `${describeLink(this.plan)} connection failed: ${this.lastError ?? 'closed'}`, fields);
    this.timers.set('reconnect', delay, () => this.connect());
  }

  /** Reconnect now (credential renewal, lazy idle): nothing queued is lost, unacked messages are resent. */
  reconnect(reason: string, thenIdle = false): void {
    this.log.info({ reason }, 'bridge reconnecting');
    this.dropLink();
    this.notify(false);
    if (thenIdle) this.setState('idle');
    else this.connect();
  }

  get connectedClient(): MqttClient | undefined {
    return this.client;
  }

  /** A publish outside the queue (AWS shadow report) takes a token from the sender's rate limit; false: skip it this time. */
  takeSendToken(): boolean {
    return this.sender?.takeToken() ?? false;
  }

  private onRemote(topic: string, payload: Buffer, packet: InboundPacket): void {
    this.delivering = true; // our own out rules must not send it back
    try {
      publishInbound(this.plan, topic, payload, packet, this.inbound);
    } finally {
      this.delivering = false;
    }
  }

  /** Every drop is counted; the log gets at most one line a minute per reason, with the running total. */
  private logDrop(reason: DropReason): void {
    const total = this.queue.dropped[reason];
    this.timers.rateLimitedWarn(this.log, `drop:${reason}`, `${DROP_WORDS[reason]}; ${total} so far`, { reason, total });
  }

  private notify(up: boolean): void {
    const topic = this.plan.notificationTopic;
    if (topic === undefined) return;
    try {
      this.deps.bus.publish(topic, up ? '1' : '0', { qos: 1, retain: true });
    } catch (err) {
      this.log.error({ err, topic }, 'cannot publish the bridge state');
    }
  }

  private setState(state: BridgeState): void {
    if (state === this.state) return;
    this.state = state;
    try {
      this.deps.store.bridgeQueue.saveState(this.plan.name, state, Date.now());
    } catch (err) {
      this.log.debug({ err }, 'cannot save the bridge state');
    }
  }
}
