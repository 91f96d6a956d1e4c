/**
 * In-process publish/subscribe on the broker for the gateway's own parts
 * (bridges, device adapters): publish as the broker itself, and receive
 * every routed message whose topic matches a filter. Handlers run
 * synchronously inside routing, before the publisher is acknowledged, so
 * a handler that writes to the store (bridge queue) delays the PUBACK
 * until that write is durable.
 */
import type { QoS, StoredMessage } from '../persistence/types.js';
import { matchTopic, validateTopicFilter, validateTopicName } from '../topics/index.js';
import type { Broker } from './broker.js';

export interface LocalPublishOptions {
  qos?: QoS;
  retain?: boolean;
  /** v5 properties carried with the message (user properties, content type...). */
  properties?: StoredMessage['properties'];
}

export type LocalHandler = (message: StoredMessage) => void;

interface Tap {
  filter: string;
  handler: LocalHandler;
}

export class LocalBus {
  private taps: Tap[] = [];

  constructor(private readonly broker: Broker) {}

  /** True when at least one handler is registered (checked on the hot path). */
  get active(): boolean {
    return this.taps.length > 0;
  }

  /**
   * Publish into the broker as the broker (no ACL check, no origin client).
   * Throws a TypeError for an invalid topic name: a programming or config error.
   */
  publish(topic: string, payload: Buffer | string, options: LocalPublishOptions = {}): number {
    const invalid = validateTopicName(topic);
    if (invalid) throw new TypeError(`invalid topic name '${topic}': ${invalid}`);
    const message: StoredMessage = {
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      receivedAt: this.broker.clock.now(),
    };
    if (options.properties) message.properties = options.properties;
    return this.broker.router.publish(message, null);
  }

  /** Receive routed messages matching `filter` (no `$share`). Returns the unsubscribe function. */
  subscribe(filter: string, handler: LocalHandler): () => void {
    const invalid = validateTopicFilter(filter);
    if (invalid) throw new TypeError(`invalid topic filter '${filter}': ${invalid}`);
    const tap: Tap = { filter, handler };
    this.taps = [...this.taps, tap];
    return () => {
      this.taps = this.taps.filter((t) => t !== tap);
    };
  }

  /**
   * Called by the router for every message it routes; returns how many
   * handlers took it. A throwing handler is logged, never breaks routing.
   */
  dispatch(message: StoredMessage): number {
    let n = 0;
    for (const tap of this.taps) {
      if (!matchTopic(tap.filter, message.topic)) continue;
      n++;
      try {
        tap.handler(message);
      } catch (err) {
        this.broker.log.error({ err, topic: message.topic, filter: tap.filter }, 'internal subscriber failed');
      }
    }
    return n;
  }
}
