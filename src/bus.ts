/**
 * The local bus as its users see it (device adapters, bridges, the embedding
 * API): publish as the gateway, and receive every routed message whose topic
 * matches a filter, saying what was done with it. Types only, in a neutral
 * place so that neither the bridge nor the adapters import the broker for it;
 * `broker/local-bus.ts` (`LocalBus`) is the one implementation, tests supply
 * fakes.
 */
import type { QoS, StoredMessage } from './persistence/types.js';

export interface LocalPublishOptions {
  qos?: QoS;
  retain?: boolean;
  /** v5 properties carried with the message (user properties, content type...). */
  properties?: StoredMessage['properties'];
}

/** What an internal subscriber did with a message, when it matters to the publisher's acknowledgement. */
export type TapResult = 'stored' | 'quota' | undefined;

export type LocalHandler = (message: StoredMessage) => TapResult | void;

/** Publish as the gateway, subscribe to command topics. */
export interface Bus {
  publish(topic: string, payload: Buffer | string, options?: LocalPublishOptions): number;
  /** Returns the unsubscribe function. */
  subscribe(filter: string, handler: LocalHandler): () => void;
}
