/**
 * Sends the durable queue upstream on one live connection, in order: at
 * most `maxInflight` unacknowledged PUBLISHes (and never more than the
 * server's Receive Maximum), at most `maxPublishRate` per second (token
 * bucket), optional batching of consecutive messages for the same topic
 * into one JSON array. Messages that can never be accepted (profile limits,
 * the server's Maximum Packet Size, a negative PUBACK) go to the
 * dead-letter table instead of blocking the queue. Queue rows are deleted
 * only in the PUBACK callback; a new Sender is made for each connection and
 * the old one is stopped. Upstream QoS is at most 1: exactly-once across
 * reconnects would need packet ids kept across connections, and the
 * message id already lets the receiver drop duplicates.
 */
import type { MqttClient } from 'mqtt';
import type { IConnackPacket } from 'mqtt-packet';
import type { BridgeQueueEntry } from '../persistence/types.js';
import type { OutboundQueue } from './outbound-queue.js';
import { batchElement, buildPayload, toBridgeMessage, v5Properties } from './payload.js';
import type { BridgePlan } from '../config/bridge-plan.js';
import { isFailureCode, RC } from '../reason-codes.js';
import { TokenBucket } from '../util/token-bucket.js';

export interface SenderEvents {
  acked(count: number): void;
  deadLettered(entry: BridgeQueueEntry, reason: string): void;
  /** The upstream said busy or quota exceeded, or stopped acknowledging: reconnect and send again. */
  stalled(why: string): void;
  /** Reading the queue failed (store error); sending resumes by itself. */
  storeError(err: unknown): void;
}

/** MQTT 5 reason codes that say "not now" rather than "never". */
const TRANSIENT: ReadonlySet<number> = new Set([RC.SERVER_BUSY, RC.QUOTA_EXCEEDED]);
/** A PUBLISH not acknowledged within this long means the link is stuck even if PINGs still work. */
const ACK_TIMEOUT_MS = 60_000;
const STORE_RETRY_MS = 1000;

export class Sender {
  private stopped = false;
  private paused = false;
  private corked = false;
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private lastProgress = performance.now();
  private readonly bucket: TokenBucket | undefined;
  private readonly window: number;
  private readonly maxQos: 0 | 1;
  private readonly retainAvailable: boolean;
  private readonly maxPacketSize: number;

  constructor(
    private readonly client: MqttClient,
    connack: IConnackPacket | undefined,
    private readonly queue: OutboundQueue,
    private readonly plan: BridgePlan,
    private readonly storeId: string,
    private readonly events: SenderEvents,
  ) {
    const server = connack?.properties ?? {};
    this.window = Math.max(1, Math.min(plan.maxInflight, server.receiveMaximum ?? Infinity)); // [MQTT-3.3.4-7]
    this.maxQos = server.maximumQoS === 0 ? 0 : 1;
    this.retainAvailable = server.retainAvailable !== false;
    this.maxPacketSize = server.maximumPacketSize ?? Infinity;
    if (Number.isFinite(plan.maxPublishRate)) {
      // burst + rate x 1 s = 95% of the limit: no 1-second window, wherever it starts, holds more than
      // maxPublishRate, with a margin for network jitter bunching packets up at the receiver
      const limit = Math.max(1, plan.maxPublishRate * 0.95);
      const burst = Math.max(1, Math.min(this.window, Math.ceil(limit / 10)));
      const rate = Math.max(limit - burst, limit / 2);
      this.bucket = new TokenBucket({ ratePerSec: rate, burst });
    }
    this.watchdog = setInterval(() => this.checkAcks(), 5000);
    this.watchdog.unref();
  }

  /** PUBLISHes sent and not yet acknowledged. */
  get inFlight(): number {
    return this.inflight;
  }

  /** One token of the rate limit for a PUBLISH that does not come from the queue. */
  takeToken(): boolean {
    return this.bucket ? this.bucket.take() : true;
  }

  /** Send nothing more, but still process acknowledgements (graceful shutdown). */
  pause(): void {
    this.paused = true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.timer = undefined;
  }

  /** Send as much as the window and the rate allow; call whenever something changed. Never throws. */
  pump(): void {
    if (this.stopped || this.paused || this.timer !== undefined) return;
    try {
      this.cork();
      while (this.inflight < this.window) {
        if (!this.queue.peek()) return;
        if (this.bucket && !this.bucket.take()) return this.later(Math.max(1, this.bucket.delayUntilAvailable()));
        const batch = this.next();
        if (batch.length === 0) return; // all expired or dead-lettered (a token is wasted: harmless)
        this.publish(batch);
      }
    } catch (err) {
      // the store cannot be read (disk full, I/O error): keep everything, try again shortly
      this.events.storeError(err);
      this.later(STORE_RETRY_MS);
    }
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }

  private checkAcks(): void {
    if (this.stopped || this.inflight === 0) return;
    if (performance.now() - this.lastProgress > ACK_TIMEOUT_MS) this.events.stalled(`no PUBACK for ${ACK_TIMEOUT_MS / 1000} s`);
  }

  /** Batch this tick's PUBLISHes into one write (uncorked on the next tick). */
  private cork(): void {
    const stream = this.client.stream;
    if (this.corked || !stream || typeof stream.cork !== 'function') return;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  private deadLetter(batch: readonly BridgeQueueEntry[], reason: string): void {
    for (const e of batch) {
      this.queue.deadLetter(e, reason);
      this.events.deadLettered(e, reason);
    }
  }

  /** Why the server would refuse this PUBLISH for good, or null. */
  private refusal(e: BridgeQueueEntry, payload: Buffer): string | null {
    const message = toBridgeMessage(e, payload, '');
    const why = this.plan.profile.rejectReason(message);
    if (why !== null || this.maxPacketSize === Infinity) return why; // most servers announce no Maximum Packet Size
    const size = payload.length + Buffer.byteLength(this.plan.profile.remoteTopic(message)) + 64;
    return size > this.maxPacketSize ? `larger than the server's Maximum Packet Size (${this.maxPacketSize} bytes)` : null;
  }

  /** The next entries to send as one PUBLISH (one, or a batch), after dead-lettering the impossible ones. */
  private next(): BridgeQueueEntry[] {
    for (;;) {
      const [first] = this.queue.take(1);
      if (!first) return [];
      const why = this.refusal(first, first.message.payload);
      if (why !== null) {
        this.deadLetter([first], why);
        continue;
      }
      return this.plan.batchMaxBytes === 0 ? [first] : this.extendBatch(first);
    }
  }

  private extendBatch(first: BridgeQueueEntry): BridgeQueueEntry[] {
    const batch = [first];
    const limit = Math.min(this.plan.batchMaxBytes, this.plan.profile.maxPayloadBytes);
    let size = 2 + Buffer.byteLength(batchElement(first, this.plan, this.storeId));
    for (;;) {
      const e = this.queue.peek();
      if (!e || e.message.topic !== first.message.topic || e.message.qos !== first.message.qos) break;
      const add = Buffer.byteLength(batchElement(e, this.plan, this.storeId)) + 1;
      if (size + add > limit) break;
      const [taken] = this.queue.take(1);
      if (!taken) break;
      if (taken.seq !== e.seq) {
        this.queue.giveBack(taken); // the peeked one had expired; this one is checked on the next round
        break;
      }
      batch.push(taken);
      size += add;
    }
    return batch;
  }

  private publish(batch: BridgeQueueEntry[]): void {
    const first = batch[0]!;
    const out = buildPayload(batch, this.plan, this.storeId);
    const remote = this.plan.profile.toRemote(out.message);
    const qos = Math.min(remote.qos, this.maxQos) as 0 | 1;
    const retain = remote.retain && this.retainAvailable;
    const props = this.client.options.protocolVersion === 5 ? v5Properties(first, out.id, this.plan.messageId.userProperty) : undefined;
    this.inflight++;
    this.client.publish(remote.topic, out.payload, { qos, retain, ...(props ? { properties: props } : {}) }, (err) => {
      if (this.stopped) return; // connection replaced: the queue was rewound, the rows are still there
      this.inflight--;
      this.lastProgress = performance.now();
      if (err) return this.failed(batch, err);
      for (const e of batch) this.queue.ack(e.seq);
      this.events.acked(batch.length);
      this.pump();
    });
  }

  private failed(batch: BridgeQueueEntry[], err: Error): void {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && isFailureCode(code)) {
      // a negative PUBACK (MQTT 5): busy/quota is retried after a reconnect, anything else never succeeds
      if (TRANSIENT.has(code)) return this.events.stalled(`upstream busy or over quota (reason code 0x${code.toString(16)})`);
      this.deadLetter(batch, `upstream refused it: reason code 0x${code.toString(16)} (${err.message})`);
      return this.pump();
    }
    // no reason code: MQTT.js refused to send it (e.g. an invalid topic) while still connected, or the
    // connection is going away (the close handler rewinds and reconnects)
    if (this.client.connected) {
      this.deadLetter(batch, `the MQTT client refused to send it: ${err.message}`);
      this.pump();
    }
  }
}
