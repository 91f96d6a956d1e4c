/**
 * Retained messages [MQTT-3.3.1-5]: one per topic, replaced by each new
 * retained PUBLISH, deleted by an empty payload [MQTT-3.3.1-10] (which is
 * itself not stored [MQTT-3.3.1-11]). `$SYS` topics are kept in memory only.
 */
import type { MessageSource, RetainedMessage, Store, StoredMessage } from '../persistence/types.js';
import { hasWildcard, matchTopic } from '../topics/index.js';
import type { BrokerClock } from './clock.js';

/** What the index needs of the broker (`broker.ts` passes itself; this module does not import it). */
export interface RetainedHost {
  readonly store: Store;
  readonly clock: BrokerClock;
}

export class RetainedIndex {
  private readonly messages = new Map<string, RetainedMessage>();

  constructor(private readonly broker: RetainedHost) {}

  get size(): number {
    return this.messages.size;
  }

  /** Every retained message (clock steps shift their timestamps). */
  forEach(fn: (message: RetainedMessage) => void): void {
    for (const message of this.messages.values()) fn(message);
  }

  load(): void {
    const now = this.broker.clock.now();
    for (const message of this.broker.store.loadRetained()) {
      if (message.expiresAt !== undefined && message.expiresAt <= now) {
        this.broker.store.deleteRetained(message.topic);
        continue;
      }
      this.messages.set(message.topic, message);
    }
  }

  /**
   * Set or clear [MQTT-3.3.1-10] the topic's retained message, with its publisher (none for the broker's
   * own messages); true when that was written to the store (one row, the source in it).
   */
  set(message: StoredMessage, source?: MessageSource): boolean {
    const durable = !message.topic.startsWith('$SYS/');
    if (message.payload.length === 0) {
      if (!this.messages.delete(message.topic) || !durable) return false;
      this.broker.store.deleteRetained(message.topic);
      return true;
    }
    const record: RetainedMessage = source ? { ...message, source } : message;
    this.messages.set(message.topic, record);
    if (durable) this.broker.store.setRetained(record);
    return durable;
  }

  /** Retained messages matching a (non-shared) filter, expired ones removed on the way. */
  matching(filter: string): RetainedMessage[] {
    const now = this.broker.clock.now();
    const out: RetainedMessage[] = [];
    const consider = (message: RetainedMessage) => {
      if (message.expiresAt !== undefined && message.expiresAt <= now) {
        this.messages.delete(message.topic);
        this.broker.store.deleteRetained(message.topic);
        return;
      }
      out.push(message);
    };
    if (!hasWildcard(filter)) {
      const message = this.messages.get(filter);
      if (message) consider(message);
      return out;
    }
    for (const [topic, message] of this.messages) {
      if (matchTopic(filter, topic)) consider(message);
    }
    return out;
  }
}
