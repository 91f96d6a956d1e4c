/**
 * In-process publish/subscribe on the broker for the gateway's own parts
 * (bridges, device adapters): publish as the broker itself, and receive
 * every routed message whose topic matches a filter. Handlers run
 * synchronously inside routing, before the publisher is acknowledged, and
 * return what they did with the message: a handler that wrote it to the
 * store (bridge queue) returns 'stored', and the PUBACK waits until that
 * write is durable; one that had no room returns 'quota'.
 */
import type { Logger } from 'pino';
import type { Bus, LocalHandler, LocalPublishOptions, TapResult } from '../bus.js';
import type { StoredMessage } from '../persistence/types.js';
import { matchTopic, validateTopicFilter, validateTopicName } from '../topics/index.js';

/** What the bus needs of the broker (`broker.ts` passes itself; this module does not import it). */
export interface BusHost {
  readonly clock: { now(): number };
  readonly log: Logger;
  readonly router: { publish(message: StoredMessage, origin: null): { delivered: number } };
}

/** What internal subscribers did with one routed message. */
export interface TapOutcome {
  /** Handlers that took it. */
  taken: number;
  /** Some handler wrote it to the store. */
  stored: boolean;
  /** Some handler had no room for it. */
  quotaHit: boolean;
}

interface Tap {
  filter: string;
  handler: LocalHandler;
}

export class LocalBus implements Bus {
  private taps: Tap[] = [];

  constructor(private readonly broker: BusHost) {}

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
    return this.broker.router.publish(message, null).delivered;
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
   * Called by the router for every message it routes; returns what the
   * handlers did. A throwing handler is logged, never breaks routing.
   */
  dispatch(message: StoredMessage): TapOutcome {
    const out: TapOutcome = { taken: 0, stored: false, quotaHit: false };
    for (const tap of this.taps) {
      if (!matchTopic(tap.filter, message.topic)) continue;
      out.taken++;
      try {
        const result = tap.handler(message);
        if (result === 'stored') out.stored = true;
        else if (result === 'quota') out.quotaHit = true;
      } catch (err) {
        this.broker.log.error({ err, topic: message.topic, filter: tap.filter }, 'internal subscriber failed');
      }
    }
    return out;
  }
}
