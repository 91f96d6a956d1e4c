/**
 * Sends the durable queue upstream on one live connection, in order: at
 * most `maxInflight` unacknowledged PUBLISHes, at most `maxPublishRate`
 * per second (token bucket), optional batching of consecutive messages for
 * the same topic into one JSON array. Messages the profile says can never
 * be accepted go to the dead-letter table instead of blocking the queue.
 * Queue rows are deleted only in the PUBACK (PUBCOMP) callback; a new
 * Sender is made for each connection and the old one is stopped.
 */
import type { MqttClient } from 'mqtt';
import type { BridgeQueueEntry } from '../persistence/types.js';
import type { OutboundQueue } from './outbound-queue.js';
import type { BridgePlan } from './plan.js';
import type { BridgeMessage } from './profiles/index.js';
import { TokenBucket } from './token-bucket.js';

export interface SenderEvents {
  acked(count: number): void;
  deadLettered(entry: BridgeQueueEntry, reason: string): void;
  /** The upstream said busy or quota exceeded: back off and send again. */
  transient(code: number): void;
}

/** The JSON value a payload becomes inside a batch: parsed JSON, or the text as a string. */
function batchElement(payload: Buffer): string {
  const text = payload.toString('utf8');
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

export class Sender {
  private stopped = false;
  private corked = false;
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly bucket: TokenBucket | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly queue: OutboundQueue,
    private readonly plan: BridgePlan,
    private readonly storeId: string,
    private readonly events: SenderEvents,
  ) {
    if (Number.isFinite(plan.maxPublishRate)) {
      // burst + rate x 1 s = 95% of the limit: no 1-second window, wherever it starts, holds more than
      // maxPublishRate, with a margin for network jitter bunching packets up at the receiver
      const limit = Math.max(1, plan.maxPublishRate * 0.95);
      const burst = Math.max(1, Math.min(plan.maxInflight, Math.ceil(limit / 10)));
      const rate = Math.max(limit - burst, limit / 2);
      this.bucket = new TokenBucket({ ratePerSec: rate, burst });
    }
  }

  /** PUBLISHes sent and not yet acknowledged. */
  get inFlight(): number {
    return this.inflight;
  }

  /** One token of the rate limit for a PUBLISH that does not come from the queue. */
  takeToken(): boolean {
    return this.bucket ? this.bucket.take() : true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Send as much as the window and the rate allow; call whenever something changed. */
  pump(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.cork();
    while (this.inflight < this.plan.maxInflight) {
      if (!this.queue.peek()) return;
      if (this.bucket && !this.bucket.take()) {
        const wait = Math.max(1, this.bucket.delayUntilAvailable());
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const batch = this.next();
      if (batch.length === 0) return; // all expired or dead-lettered (a token is wasted: harmless)
      this.publish(batch);
    }
  }

  /**
   * A negative PUBACK (MQTT 5): a refusal that would repeat forever (not
   * authorised, topic invalid, too large...) dead-letters the message so the
   * queue moves on; busy/quota refusals are retried after the others.
   */
  private refused(batch: BridgeQueueEntry[], code: number, message: string): void {
    if (TRANSIENT.has(code)) {
      this.events.transient(code);
      return; // left in flight: resent after the next reconnect (the bridge reconnects after a pause)
    }
    for (const e of batch) {
      const reason = `upstream refused it: reason code 0x${code.toString(16)} (${message})`;
      this.queue.deadLetter(e, reason);
      this.events.deadLettered(e, reason);
    }
    this.pump();
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

  /** The next entries to send as one PUBLISH (one, or a batch), after dead-lettering the impossible ones. */
  private next(): BridgeQueueEntry[] {
    for (;;) {
      const [first] = this.queue.take(1);
      if (!first) return [];
      const why = this.plan.profile.rejectReason(this.toBridgeMessage(first, first.message.payload));
      if (why !== null) {
        this.queue.deadLetter(first, why);
        this.events.deadLettered(first, why);
        continue;
      }
      if (this.plan.batchMaxBytes === 0) return [first];
      return this.extendBatch(first);
    }
  }

  private extendBatch(first: BridgeQueueEntry): BridgeQueueEntry[] {
    const batch = [first];
    let size = 2 + batchElement(first.message.payload).length;
    for (;;) {
      const e = this.queue.peek();
      if (!e || e.message.topic !== first.message.topic || e.message.qos !== first.message.qos) break;
      const add = batchElement(e.message.payload).length + 1;
      if (size + add > this.plan.batchMaxBytes) break;
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

  private toBridgeMessage(e: BridgeQueueEntry, payload: Buffer, id = `${this.storeId}-${e.seq}`): BridgeMessage {
    const m = e.message;
    const user = m.properties?.userProperties;
    const properties: Record<string, string> = {};
    if (user) for (const [k, v] of Object.entries(user)) properties[k] = Array.isArray(v) ? v.join(',') : v;
    return {
      topic: m.topic,
      payload,
      qos: m.qos,
      retain: m.retain,
      messageId: id,
      ...(m.properties?.contentType !== undefined ? { contentType: m.properties.contentType } : {}),
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
    };
  }

  private publish(batch: BridgeQueueEntry[]): void {
    const first = batch[0]!;
    const id = batch.length === 1 ? `${this.storeId}-${first.seq}` : `${this.storeId}-${first.seq}-${batch[batch.length - 1]!.seq}`;
    let payload = batch.length === 1 ? first.message.payload : Buffer.from(`[${batch.map((e) => batchElement(e.message.payload)).join(',')}]`);
    if (this.plan.messageId.payloadField) payload = withIdField(payload, id);
    const message = this.toBridgeMessage(first, payload, id);
    const remote = this.plan.profile.toRemote(message);
    const v5 = this.client.options.protocolVersion === 5;
    const props = v5 ? v5Properties(first, id, this.plan.messageId.userProperty) : undefined;
    this.inflight++;
    this.client.publish(remote.topic, payload, { qos: remote.qos, retain: remote.retain, ...(props ? { properties: props } : {}) }, (err) => {
      if (this.stopped) return; // connection replaced: the queue was rewound, the rows are still there
      this.inflight--;
      const code = (err as { code?: unknown } | undefined)?.code;
      if (err && typeof code === 'number' && code >= 0x80) return this.refused(batch, code, err.message);
      if (err) return; // the close handler rewinds and reconnects
      for (const e of batch) this.queue.ack(e.seq);
      this.events.acked(batch.length);
      this.pump();
    });
  }
}

/** MQTT 5 reason codes that say "not now" rather than "never". */
const TRANSIENT = new Set([0x89 /* server busy */, 0x97 /* quota exceeded */]);

/** `{"a":1}` → `{"_mid":"id","a":1}` for JSON objects (and arrays of batches: unchanged); other payloads unchanged. */
export function withIdField(payload: Buffer, id: string): Buffer {
  const text = payload.toString('utf8');
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return payload;
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return payload;
    return Buffer.from(JSON.stringify({ _mid: id, ...(value as Record<string, unknown>) }));
  } catch {
    return payload;
  }
}

function v5Properties(e: BridgeQueueEntry, id: string, addId: boolean) {
  const p = e.message.properties;
  const userProperties: Record<string, string | string[]> = { ...(p?.userProperties ?? {}) };
  if (addId) userProperties['midge-id'] = id;
  const out: Record<string, unknown> = {};
  if (Object.keys(userProperties).length > 0) out.userProperties = userProperties;
  if (p?.contentType !== undefined) out.contentType = p.contentType;
  if (p?.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p?.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p?.correlationData !== undefined) out.correlationData = p.correlationData;
  if (e.message.expiresAt !== undefined) out.messageExpiryInterval = Math.max(1, Math.ceil((e.message.expiresAt - Date.now()) / 1000));
  return Object.keys(out).length > 0 ? out : undefined;
}
