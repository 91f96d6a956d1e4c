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
import type { Bus } from '../bus.js';
import type { TapResult } from '../bus.js';
import type { Store, StoredMessage } from '../persistence/types.js';
import type { BridgeState, BridgeStatus } from '../status-types.js';
import { localPublishFor, subscribeRemote, type InboundPacket } from './inbound.js';
import { Backoff } from '../util/backoff.js';
import { linkOptions, openLink } from './link.js';
import { OutboundQueue, type DropReason } from './outbound-queue.js';
import type { BridgePlan } from '../config/bridge-plan.js';
import { RateMeter } from './rate-meter.js';
import { Sender } from './sender.js';
import { localSubscriptions, mapOutgoing, capQos } from '../topics/bridge-topic-map.js';
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

  constructor(
    readonly plan: BridgePlan,
    private readonly deps: BridgeDeps,
  ) {
    this.log = deps.logger.child({ bridge: plan.name });
    this.queue = new OutboundQueue(plan.name, deps.store.bridgeQueue, plan.queue, Date.now, (reason) => this.logDrop(reason));
    this.deadLetters = deps.store.bridgeQueue.deadLetterCount(plan.name);
    this.backoff = new Backoff({ ...plan.backoff, ...(deps.random ? { random: deps.random } : {}) });
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
    if (client) {
      // a clean DISCONNECT, but never wait long for a link that may be dead
      const ended = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([ended, timeout]);
      client.stream?.destroy();
    }
    this.sender?.stop();
    this.client = undefined;
    this.setState('stopped');
    this.notify(false);
  }

  status(): BridgeStatus {
    const oldest = this.queue.oldestAt();
    return {
      name: this.plan.name,
      type: this.plan.type,
      state: this.state ?? 'idle',
      address: this.address,
      queueDepth: this.queue.messages,
      queueBytes: this.queue.bytes,
      oldestAgeSeconds: oldest === undefined ? null : Math.max(0, (Date.now() - oldest) / 1000),
      inFlight: this.sender?.inFlight ?? 0,
      sentTotal: this.counters.sent,
      receivedTotal: this.counters.received,
      droppedTotal: { ...this.queue.dropped },
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
    let topic: string | null = null;
    let qos = message.qos;
    const route = mapOutgoing(this.plan.rules, message.topic);
    if (route) {
      topic = route.remoteTopic;
      qos = capQos(Math.min(message.qos, route.qos), 2);
    } else if (this.plan.profile.routes) {
      // the cloud's own routes (Azure: a method reply or twin update; sent as QoS 1, it is kept until acknowledged)
      topic = this.plan.profile.routes.outbound(message.topic, () => String(++this.twinRid));
      qos = capQos(message.qos, this.plan.profile.maxQos);
    }
    if (topic === null) return undefined;
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

  private onDown(err: Error | undefined): void {
    this.sender?.stop();
    this.sender = undefined;
    const client = this.client;
    this.client = undefined;
    client?.end(true);
    this.queue.rewind();
    this.timers.onDisconnected();
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
    const client = this.client;
    this.sender?.stop();
    this.sender = undefined;
    this.client = undefined;
    this.queue.rewind();
    this.timers.onDisconnected();
    client?.end(true);
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
    let local: ReturnType<typeof localPublishFor>;
    try {
      local = localPublishFor(this.plan, topic, packet);
    } catch (err) {
      // e.g. a malformed Azure property bag: dropped (and acknowledged), never a crash
      this.timers.rateLimitedWarn(this.log, 'inbound', `message from upstream on '${topic}' cannot be mapped to a local topic; dropped`, { err });
      return;
    }
    if (!local) {
      this.log.debug({ topic }, 'message from upstream matches no in rule; dropped');
      return;
    }
    this.counters.received++;
    this.timers.touch();
    this.delivering = true; // our own out rules must not send it back
    try {
      this.deps.bus.publish(local.topic, payload, local.options);
    } catch (err) {
      this.timers.rateLimitedWarn(this.log, 'inbound', `message from upstream mapped to an invalid local topic '${local.topic}'; dropped`, { err });
    } finally {
      this.delivering = false;
    }
  }

  /** Every drop is counted; the log gets at most one line a minute per reason, with the running total. */
  private logDrop(reason: DropReason): void {
    const total = this.queue.dropped[reason];
    const what: Record<DropReason, string> = {
      queue_full: 'bridge queue full: dropped the oldest queued message(s) (queue_policy drop-oldest)',
      rejected: 'bridge queue full: refused new message(s) (queue_policy reject-new)',
      expired: 'dropped queued message(s) older than message_ttl or past their expiry',
      dead_letter: 'moved message(s) to the dead-letter table',
      offline_qos0: 'dropped QoS 0 message(s) while not connected (queue_qos0 false)',
      purged: 'queued message(s) were purged',
    };
    this.timers.rateLimitedWarn(this.log, `drop:${reason}`, `${what[reason]}; ${total} so far`, { reason, total });
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
